"""What operators see of the message log and the suppression list (never a token)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class MessageRecord:
    """One outgoing message and its delivery state; never its token or its text."""

    id: UUID
    event_id: UUID
    event_type: str
    kind: str
    template: str
    account_id: str
    studio_id: str | None
    recipient: str
    status: str
    status_reason: str | None
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class SuppressedAddress:
    """An address nothing is sent to, and why."""

    address: str
    reason: str
    detail: str | None
    message_id: UUID | None
    created_at: datetime
