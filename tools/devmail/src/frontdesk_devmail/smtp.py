"""The SMTP side: accepts mail for anyone, stores it, and plays the simulated faults."""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

from frontdesk_devmail.faults import FaultBook
from frontdesk_devmail.inbox import Inbox
from frontdesk_devmail.parsing import log_subject
from frontdesk_devmail.store import StorageError

log = logging.getLogger(__name__)


class DevmailHandler:
    """aiosmtpd handler: any sender, any recipient, unless a simulated fault says otherwise."""

    def __init__(self, inbox: Inbox, faults: FaultBook) -> None:
        """Deliver into ``inbox``, consulting ``faults`` for every recipient and message."""
        self._inbox = inbox
        self._faults = faults

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        """Accept the recipient, or refuse it with a simulated failure."""
        refusal = self._faults.rcpt_reply(address)
        if refusal is not None:
            log.info("refused recipient %s: %s", address, refusal)
            return refusal
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Store the message (the 250 comes once it is on disk), or fail it as simulated."""
        refusal = self._faults.data_reply(envelope.rcpt_tos)
        if refusal is not None:
            log.info("refused message to %s: %s", ", ".join(envelope.rcpt_tos), refusal)
            return refusal
        raw = envelope.original_content
        assert raw is not None  # aiosmtpd sets it before this hook
        try:
            message = await self._inbox.deliver(raw, envelope.mail_from or "", envelope.rcpt_tos)
        except StorageError as error:
            log.error("could not store a message to %s: %s", ", ".join(envelope.rcpt_tos), error)
            return "451 4.3.0 could not store the message, try again later"
        # Never the body: it holds secret links. The subject is read without
        # parsing the message, which waits until someone reads it.
        log.info(
            "received message id=%d to=%s subject=%r",
            message.id,
            ",".join(message.recipients),
            log_subject(raw),
        )
        return f"250 2.0.0 Ok: queued as {message.id}"


def accept_any_credentials(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    """aiosmtpd authenticator that lets every AUTH PLAIN/LOGIN through."""
    return AuthResult(success=True)


class SmtpServer:
    """An aiosmtpd SMTP server on the running event loop, with a clean stop."""

    def __init__(self, handler: DevmailHandler, *, hostname: str, auth_optional: bool) -> None:
        """Serve ``handler``; with ``auth_optional``, offer AUTH without TLS and accept anyone."""
        self._handler = handler
        self._hostname = hostname
        self._auth_optional = auth_optional
        self._server: asyncio.Server | None = None
        self._sessions: weakref.WeakSet[SMTP] = weakref.WeakSet()

    async def start(self, host: str, port: int) -> tuple[str, int]:
        """Listen on ``host:port`` (port 0 picks a free one); returns the bound address."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: self._new_session(loop), host, port)
        address: tuple[str, int] = self._server.sockets[0].getsockname()[:2]
        return address

    async def stop(self) -> None:
        """Stop listening and drop the sessions still open."""
        if self._server is None:
            return
        self._server.close()
        for session in list(self._sessions):
            if session.transport is not None:
                session.transport.close()
        await self._server.wait_closed()
        self._server = None

    def _new_session(self, loop: asyncio.AbstractEventLoop) -> SMTP:
        session = SMTP(
            self._handler,
            loop=loop,
            hostname=self._hostname,  # given, so no DNS lookup per connection
            enable_SMTPUTF8=True,
            auth_require_tls=not self._auth_optional,
            authenticator=accept_any_credentials if self._auth_optional else None,
        )
        self._sessions.add(session)
        return session
