"""How a delivery attempt, or holding a message back, settles: the state to record, the
address to suppress, and the event that tells it (all recorded in one transaction)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from frontdesk_contracts import EmailFailed, EmailSent, EmailSuppressed, EventPayload

from .delivery import (
    Accepted,
    BackoffSchedule,
    Hold,
    Outcome,
    QueuedMessage,
    Refused,
    Status,
    TransientFailure,
)

BOUNCED: Final = "bounced"
"""Why an address refused at RCPT is suppressed, and what a message held for it says."""


@dataclass(frozen=True)
class Settlement:
    """What becomes of a message after an attempt or a hold."""

    status: Status
    """`QUEUED`: tried again at `retry_at`; any other status is final."""
    attempts: int
    event: EventPayload
    reason: str | None = None
    """Why it ended other than sent: a hold reason, retries_exhausted, refused, unbuildable."""
    error: str | None = None
    """The last SMTP answer or build error."""
    retry_at: datetime | None = None
    suppression: str | None = None
    """Set when the address itself refused: nothing more is sent to it, for this reason."""


def held_back(message: QueuedMessage, held: Hold) -> Settlement:
    """A message that will not go out: it ends without an attempt."""
    facts = message.facts()
    if held.reason == "suppressed":  # about the address: later emails are held too
        told = EmailSuppressed(**facts, reason=BOUNCED, permanent=True)
    else:
        told = EmailSuppressed(**facts, reason=held.reason, permanent=False)
    return Settlement(held.status, message.attempts, told, reason=held.reason)


def settle(
    message: QueuedMessage, outcome: Outcome, backoff: BackoffSchedule, now: datetime
) -> Settlement:
    """What one more delivery attempt ending in `outcome` makes of `message`.

    Accepted: sent. A transient failure: queued again after the backoff, until the
    attempts run out. A 5xx refusal or a message that cannot be built: failed for good,
    and an address refused at RCPT is suppressed.
    """
    attempts = message.attempts + 1
    if isinstance(outcome, Accepted):
        return Settlement(Status.SENT, attempts, EmailSent(**message.facts(), attempts=attempts))
    if isinstance(outcome, TransientFailure):
        retry_at = backoff.next_attempt(attempts, now)
        failed = _failed(message, outcome.reason, attempts, permanent=retry_at is None)
        if retry_at is None:
            return Settlement(Status.FAILED, attempts, failed, "retries_exhausted", outcome.reason)
        return Settlement(Status.QUEUED, attempts, failed, error=outcome.reason, retry_at=retry_at)
    refused = isinstance(outcome, Refused)
    return Settlement(
        Status.FAILED,
        attempts,
        _failed(message, outcome.reason, attempts, permanent=True),
        reason="refused" if refused else "unbuildable",
        error=outcome.reason,
        suppression=BOUNCED if isinstance(outcome, Refused) and outcome.address_refused else None,
    )


def _failed(message: QueuedMessage, reason: str, attempts: int, *, permanent: bool) -> EmailFailed:
    return EmailFailed(**message.facts(), reason=reason, permanent=permanent, attempts=attempts)
