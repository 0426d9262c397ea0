"""Sessions and their rotating refresh tokens: when a refresh token may be swapped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class RefreshState(StrEnum):
    """What presenting a refresh token finds."""

    LIVE = "live"
    DEAD = "dead"
    """Unknown, expired, or its session has ended."""
    REUSED = "reused"
    """Already swapped once: someone else holds a copy, so the session must end."""


@dataclass(frozen=True)
class RefreshToken:
    """A stored refresh token (its digest is the key) and the session it belongs to."""

    session_id: UUID
    account_id: str
    expires_at: datetime
    used_at: datetime | None
    session_ended_at: datetime | None

    def state(self, now: datetime) -> RefreshState:
        """Whether the token may be swapped now (rotation: each works once)."""
        if self.session_ended_at is not None or self.expires_at <= now:
            return RefreshState.DEAD
        return RefreshState.LIVE if self.used_at is None else RefreshState.REUSED
