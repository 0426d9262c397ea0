"""What may happen to a queued message: held back, sent, retried or given up on."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal
from uuid import UUID


class Status(StrEnum):
    """Where a message stands. Only `QUEUED` is not final."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SUPPRESSED = "suppressed"


HoldReason = Literal["suppressed", "superseded", "expired", "rate_limited"]


@dataclass(frozen=True)
class Hold:
    """Why a queued message will not be sent, and the status it ends in."""

    reason: HoldReason

    @property
    def status(self) -> Status:
        return Status.SUPPRESSED if self.reason == "suppressed" else Status.CANCELLED


@dataclass(frozen=True)
class SendFacts:
    """What the sender knows about a message just before it would go out."""

    now: datetime
    expires_at: datetime | None
    superseded: bool
    recipient_suppressed: bool
    sent_to_recipient_in_window: int
    rate_limit: int


def hold(facts: SendFacts) -> Hold | None:
    """Why the message must not go out now, or None when it may.

    A suppressed address wins (it is about the person, not the link); then a link that
    died (superseded or expired: sending it would only frustrate); last the per-address
    rate limit, a safety net against a runaway producer.
    """
    if facts.recipient_suppressed:
        return Hold("suppressed")
    if facts.superseded:
        return Hold("superseded")
    if facts.expires_at is not None and facts.expires_at <= facts.now:
        return Hold("expired")
    if facts.sent_to_recipient_in_window >= facts.rate_limit:
        return Hold("rate_limited")
    return None


@dataclass(frozen=True)
class Accepted:
    """The SMTP server took the message."""


@dataclass(frozen=True)
class Refused:
    """The SMTP server answered 5xx: retrying cannot help.

    `address_refused` says the refusal was about the recipient (at RCPT): that address
    is then suppressed.
    """

    reason: str
    address_refused: bool = True


@dataclass(frozen=True)
class TransientFailure:
    """A 4xx answer, a refused or dropped connection, a timeout: try again later."""

    reason: str


@dataclass(frozen=True)
class Broken:
    """The message itself cannot be built (a token that does not open, a template error)."""

    reason: str


Outcome = Accepted | Refused | TransientFailure | Broken


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, up to `max_attempts` delivery attempts."""

    max_attempts: int = 8
    first_delay: float = 5.0
    max_delay: float = 900.0

    def next_attempt(self, attempts: int, now: datetime) -> datetime | None:
        """When to try again after `attempts` failed attempts; None once they are used up."""
        if attempts >= self.max_attempts:
            return None
        ceiling = min(self.max_delay, self.first_delay * 2.0 ** min(attempts - 1, 60))
        jitter = random.random()  # noqa: S311 - spreading retries, not security
        return now + timedelta(seconds=ceiling * (0.5 + jitter / 2))


@dataclass(frozen=True)
class QueuedMessage:
    """A message the sender claimed: what to send, to whom, and why."""

    id: UUID
    event_id: UUID
    event_type: str
    correlation_id: str
    kind: str
    template: str
    account_id: str
    studio_id: str | None
    recipient: str
    context: dict[str, Any]
    sealed_secrets: dict[str, Any]
    event_time: datetime
    expires_at: datetime | None
    superseded_by: UUID | None
    attempts: int
