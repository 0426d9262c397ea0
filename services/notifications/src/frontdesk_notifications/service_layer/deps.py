"""What the use cases use, built once by bootstrap (with fakes in the unit tests): the
units of work, the email composer and mailer (ports `adapters/mail.py` implements), and
the delivery rules' settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol

from ..domain.delivery import BackoffSchedule, Broken, Outcome, QueuedMessage, RateLimit, Sender
from .unit_of_work import UnitsOfWork


class Composer(Protocol):
    """Builds the email of a message: opens its tokens, renders its template."""

    def compose(self, message: QueuedMessage) -> EmailMessage | Broken:
        """The email, or why it cannot be built (never the secret itself)."""
        ...


class Mailer(Protocol):
    """Hands emails to the SMTP server."""

    async def send(self, email: EmailMessage, sender: str, recipient: str) -> Outcome:
        """Deliver `email`; an SMTP or network failure is an outcome, never raised."""
        ...


def _asleep() -> None:
    """No sender loop to wake (a unit test, or before bootstrap wired one)."""


@dataclass
class Deps:
    """The units of work, the composer and mailer, and the delivery rules' settings."""

    units: UnitsOfWork
    composer: Composer
    mailer: Mailer
    sender: Sender
    backoff: BackoffSchedule
    rate_limit: RateLimit
    wake_sender: Callable[[], None] = field(default=_asleep)
    """Called once something was queued: the sender loop stops sleeping."""
