"""SMTP delivery with aiosmtplib: a pool of reused connections, and what an answer means.

Every SMTP answer is classified into the domain's outcomes: 2xx accepted, 5xx refused
(permanent), 4xx and lost connections transient. A connection that saw any error is
closed rather than reused, so a half-finished SMTP transaction never leaks into the
next message. `EmailComposer` builds the email of a queued message, opening its tokens
at the last moment.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from uuid import UUID

import aiosmtplib

from frontdesk_contracts import KeyRing

from ..domain.delivery import (
    Accepted,
    Broken,
    Outcome,
    QueuedMessage,
    Refused,
    Sender,
    TransientFailure,
)
from ..settings import NotificationsSettings
from .secrets import UnopenableSecret, open_secrets
from .templates import EmailRenderer, RenderedEmail, TemplateError


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to reach the SMTP server."""

    host: str
    port: int
    security: str = "none"  # "none", "starttls" or "tls"
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0


def build_message(
    rendered: RenderedEmail,
    *,
    sender: str,
    sender_name: str,
    recipient: str,
    message_id: UUID,
    domain: str,
) -> EmailMessage:
    """A multipart/alternative email (text, then HTML) with a stable Message-ID.

    The Message-ID comes from the message's id, so a message re-sent after a crash
    carries the same one and receiving systems can tell it is the same message.
    """
    message = EmailMessage()
    message["From"] = formataddr((sender_name, sender))
    message["To"] = recipient
    message["Subject"] = rendered.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = f"<{message_id}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message


class EmailComposer:
    """The email of a queued message: its tokens opened with the key ring, its template
    rendered, from `sender`."""

    def __init__(self, renderer: EmailRenderer, keys: KeyRing, sender: Sender) -> None:
        self._renderer = renderer
        self._keys = keys
        self._sender = sender

    def compose(self, message: QueuedMessage) -> EmailMessage | Broken:
        """The email, or `Broken` when a token does not open or the template fails."""
        try:
            secrets = open_secrets(self._keys, message.sealed_secrets)
            rendered = self._renderer.render(
                message.template, message.context, secrets, message.studio_id
            )
        except (UnopenableSecret, TemplateError) as error:
            return Broken(str(error))
        return build_message(
            rendered,
            sender=self._sender.address,
            sender_name=self._sender.name,
            recipient=message.recipient,
            message_id=message.id,
            domain=self._sender.message_id_domain,
        )


class SmtpPool:
    """Up to `size` SMTP connections, kept open and reused between messages."""

    def __init__(self, config: SmtpConfig, size: int) -> None:
        self._config = config
        self._idle: list[aiosmtplib.SMTP] = []
        self._slots = asyncio.Semaphore(size)

    @classmethod
    def from_settings(cls, s: NotificationsSettings) -> SmtpPool:
        """Up to `sender_concurrency` connections to the configured SMTP server."""
        password = s.smtp_password.get_secret_value() if s.smtp_password else None
        config = SmtpConfig(
            s.smtp_host, s.smtp_port, s.smtp_security, s.smtp_username, password, s.smtp_timeout
        )
        return cls(config, s.sender_concurrency)

    async def send(self, email: EmailMessage, sender: str, recipient: str) -> Outcome:
        """Deliver `email` to `recipient`; never raises for an SMTP or network failure."""
        async with self._slots:
            try:
                async with self._connection() as smtp:
                    await smtp.send_message(email, sender=sender, recipients=[recipient])
            except aiosmtplib.SMTPRecipientsRefused as error:
                refusal = error.recipients[0]
                return _by_code(refusal.code, refusal.message, address_refused=True)
            except aiosmtplib.SMTPResponseException as error:
                return _by_code(error.code, error.message, address_refused=False)
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
                return TransientFailure(f"{type(error).__name__}: {error}"[:1000])
        return Accepted()

    async def close(self) -> None:
        """Say QUIT on every idle connection."""
        idle, self._idle = self._idle, []
        for smtp in idle:
            await _close(smtp)

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[aiosmtplib.SMTP]:
        smtp = self._idle.pop() if self._idle else None
        if smtp is None or not smtp.is_connected:
            smtp = await self._connect()
        try:
            yield smtp
        except BaseException:
            await _close(smtp)
            raise
        self._idle.append(smtp)

    async def _connect(self) -> aiosmtplib.SMTP:
        cfg = self._config
        smtp = aiosmtplib.SMTP(
            hostname=cfg.host,
            port=cfg.port,
            use_tls=cfg.security == "tls",
            start_tls=cfg.security == "starttls",
            username=cfg.username,
            password=cfg.password,
            timeout=cfg.timeout,
        )
        await smtp.connect()  # logs in too when a username and password are set
        return smtp


def _by_code(code: int, text: str, *, address_refused: bool) -> Outcome:
    reason = f"{code} {text}".strip()[:1000]
    if 500 <= code < 600:
        return Refused(reason, address_refused=address_refused)
    return TransientFailure(reason)


async def _close(smtp: aiosmtplib.SMTP) -> None:
    with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
        if smtp.is_connected:
            await smtp.quit()
    smtp.close()
