"""What may happen to a queued message: held back, sent, retried or given up on."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal
from uuid import UUID

from frontdesk_contracts import Envelope, EventPayload, new_event


class Status(StrEnum):
    """Where a message stands. Only `QUEUED` is not final."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SUPPRESSED = "suppressed"


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
    claim_token: UUID | None = None
    """The claim that holds it: the sender may send and record it only while this is
    still the message's token (another instance claims it anew once the lease lapsed)."""

    def facts(self) -> dict[str, Any]:
        """The fields every notifications event about this message carries."""
        return {
            "message_id": str(self.id),
            "account_id": self.account_id,
            "recipient": self.recipient,
            "kind": self.kind,
            "cause_event_id": self.event_id,
            "cause_event_type": self.event_type,
        }

    def told(self, payload: EventPayload) -> Envelope[EventPayload]:
        """`payload` as an event caused by the event that asked for this message."""
        return new_event(
            payload, correlation_id=self.correlation_id, causation_id=str(self.event_id)
        )


HoldReason = Literal["suppressed", "superseded", "expired", "rate_limited"]


@dataclass(frozen=True)
class Hold:
    """Why a queued message will not be sent, and the status it ends in."""

    reason: HoldReason

    @property
    def status(self) -> Status:
        return Status.SUPPRESSED if self.reason == "suppressed" else Status.CANCELLED


@dataclass(frozen=True)
class RateLimit:
    """At most `per_recipient` emails sent to one address in `window_seconds`."""

    per_recipient: int
    window_seconds: int


@dataclass(frozen=True)
class RecipientHistory:
    """What the message log knows about a message's address and account before sending."""

    suppressed: bool
    sent_in_window: int
    newer_link: bool
    """A newer message of the same account and kind exists (only asked for link kinds)."""


@dataclass(frozen=True)
class SendFacts:
    """What the sender knows about a message just before it would go out."""

    now: datetime
    expires_at: datetime | None
    superseded: bool
    recipient_suppressed: bool
    sent_to_recipient_in_window: int
    rate_limit: int

    @classmethod
    def of(
        cls, message: QueuedMessage, history: RecipientHistory, limit: RateLimit, now: datetime
    ) -> SendFacts:
        """The facts of `message`: announced superseded, or replaced by a newer link."""
        return cls(
            now=now,
            expires_at=message.expires_at,
            superseded=message.superseded_by is not None or history.newer_link,
            recipient_suppressed=history.suppressed,
            sent_to_recipient_in_window=history.sent_in_window,
            rate_limit=limit.per_recipient,
        )


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
class BackoffSchedule:
    """When a message is tried again: exponential backoff with jitter, up to
    `max_attempts` delivery attempts."""

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
class Sender:
    """Who the emails come from, and the domain of their Message-IDs."""

    address: str
    name: str
    message_id_domain: str
