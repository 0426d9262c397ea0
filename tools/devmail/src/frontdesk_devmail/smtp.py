"""The SMTP side: accepts mail for anyone, stores it, and plays the simulated faults.

Besides the per-recipient faults of ``frontdesk_devmail.faults``, the listener
can be taken down for a while (an outage): connecting is then refused, as if
the server were not running, and it reopens by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from dataclasses import dataclass
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

from frontdesk_devmail.faults import FaultBook, ReplyHold
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
        """Store the message (the 250 comes once it is on disk, later if held), or fail it."""
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
        hold = self._faults.take_hold(envelope.rcpt_tos)
        if hold is not None:
            await self._hold_reply(hold, message.id)
        return f"250 2.0.0 Ok: queued as {message.id}"

    async def _hold_reply(self, hold: ReplyHold, message_id: int) -> None:
        log.info("holding the reply to message id=%d for %g s", message_id, hold.hold_seconds)
        try:
            await hold.hold(message_id)
        except asyncio.CancelledError:
            log.info("sender left during the hold of message id=%d (kept)", message_id)
            raise
        log.info("releasing the reply to message id=%d", message_id)


def accept_any_credentials(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    """aiosmtpd authenticator that lets every AUTH PLAIN/LOGIN through."""
    return AuthResult(success=True)


@dataclass(frozen=True)
class OutageState:
    """Whether the listener refuses connections now, and for how much longer."""

    refusing: bool
    seconds_left: float | None = None


class SmtpServer:
    """An aiosmtpd SMTP server on the running event loop, with outages and a clean stop."""

    REOPEN_RETRY_SECONDS = 1.0

    def __init__(self, handler: DevmailHandler, *, hostname: str, auth_optional: bool) -> None:
        """Serve ``handler``; with ``auth_optional``, offer AUTH without TLS and accept anyone."""
        self._handler = handler
        self._hostname = hostname
        self._auth_optional = auth_optional
        self._address: tuple[str, int] | None = None
        self._server: asyncio.Server | None = None
        self._sessions: weakref.WeakSet[SMTP] = weakref.WeakSet()
        self._outage_ends_at: float | None = None  # on the loop's clock; None: no outage
        self._outage_number = 0  # a reopening started for an earlier outage gives up
        self._reopen_timer: asyncio.TimerHandle | None = None
        self._reopening: asyncio.Task[None] | None = None  # of the current outage
        self._reopenings: set[asyncio.Task[None]] = set()  # earlier ones may still be ending

    async def start(self, host: str, port: int) -> tuple[str, int]:
        """Listen on ``host:port`` (port 0 picks a free one); returns the bound address."""
        self._server = await self._listen(host, port)
        self._address = self._server.sockets[0].getsockname()[:2]
        return self._address

    async def stop(self) -> None:
        """Stop listening (ending an outage) and drop the sessions still open."""
        self._cancel_reopen_timer()
        self._outage_ends_at, self._reopening = None, None
        self._outage_number += 1
        for reopening in list(self._reopenings):
            reopening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reopening
        server, self._server = self._server, None
        if server is not None:
            server.close()
        self._drop_sessions()
        if server is not None:
            await server.wait_closed()

    def refuse_connections(self, seconds: float) -> OutageState:
        """Close the listener (connecting is refused) and the open sessions; reopen in ``seconds``.

        During an outage, this sets a new end, ``seconds`` from now.
        """
        if self._address is None:
            raise RuntimeError("the SMTP server is not running")
        self._outage_number += 1
        self._reopening = None
        if self._server is not None:
            # Closes the listening socket at once: from here a connect is refused.
            self._server.close()
            self._server = None
        self._drop_sessions()
        log.info("SMTP outage: refusing connections for %g s", seconds)
        loop = asyncio.get_running_loop()
        self._cancel_reopen_timer()
        self._outage_ends_at = loop.time() + seconds
        self._reopen_timer = loop.call_later(seconds, self._start_reopening)
        return self.outage()

    async def end_outage(self) -> None:
        """Listen again now, if an outage is on; returns once connections are accepted."""
        if self._outage_ends_at is None:
            return
        self._cancel_reopen_timer()
        await asyncio.shield(self._start_reopening())

    def outage(self) -> OutageState:
        """Whether connections are refused now, and for how much longer."""
        if self._outage_ends_at is None:
            return OutageState(refusing=False)
        left = max(0.0, self._outage_ends_at - asyncio.get_running_loop().time())
        return OutageState(refusing=True, seconds_left=left)

    def _drop_sessions(self) -> None:
        for session in list(self._sessions):
            if session.transport is not None:
                session.transport.close()

    def _cancel_reopen_timer(self) -> None:
        if self._reopen_timer is not None:
            self._reopen_timer.cancel()
            self._reopen_timer = None

    def _start_reopening(self) -> asyncio.Task[None]:
        self._reopen_timer = None
        if self._reopening is None:
            self._reopening = asyncio.get_running_loop().create_task(
                self._reopen(self._outage_number)
            )
            self._reopenings.add(self._reopening)
            self._reopening.add_done_callback(self._reopenings.discard)
        return self._reopening

    async def _reopen(self, outage_number: int) -> None:
        assert self._address is not None
        while True:
            try:
                server = await self._listen(*self._address)
            except OSError as error:
                log.warning("SMTP outage: cannot listen again (%s); retrying", error)
                await asyncio.sleep(self.REOPEN_RETRY_SECONDS)
                if outage_number != self._outage_number:
                    return
                continue
            if outage_number != self._outage_number:  # a new outage began meanwhile
                server.close()
                return
            self._server, self._outage_ends_at, self._reopening = server, None, None
            log.info("SMTP outage over: accepting connections")
            return

    async def _listen(self, host: str, port: int) -> asyncio.Server:
        loop = asyncio.get_running_loop()
        return await loop.create_server(lambda: self._new_session(loop), host, port)

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
