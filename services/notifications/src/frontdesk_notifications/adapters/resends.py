"""SQL of ops' resend: copy a sent message as a new queued one, and record who asked."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from ..domain.resends import ResendCandidate

LOCK_ORIGINAL = """
SELECT id, kind, status, recipient, sealed_secrets IS NOT NULL AS has_secrets,
       expires_at IS NOT NULL AND expires_at <= now() AS expired
FROM outgoing_messages WHERE id = $1
FOR UPDATE
"""
INSERT_COPY = """
INSERT INTO outgoing_messages (
    id, event_id, event_type, correlation_id, kind, template, account_id, studio_id,
    recipient, context, sealed_secrets, event_time, expires_at
)
SELECT $2, $3, event_type, correlation_id, kind, template, account_id, studio_id,
       recipient, context, sealed_secrets, event_time, expires_at
FROM outgoing_messages WHERE id = $1
"""
RECORD_RESEND = """
INSERT INTO ops_resends (message_id, original_id, operator, reason) VALUES ($1, $2, $3, $4)
"""


class PgResendLog:
    """The outgoing-message copies ops ask for, on one unit of work's connection."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def lock_original(self, message_id: UUID) -> ResendCandidate | None:
        """The original message's facts, locked until the transaction ends (None: unknown)."""
        row = await self._conn.fetchrow(LOCK_ORIGINAL, message_id)
        return None if row is None else ResendCandidate(**dict(row))

    async def copy(self, original_id: UUID, new_id: UUID, new_event_id: UUID) -> None:
        """Queue a copy of the original under a new id (and a new event id: the log keeps
        one message per event and kind)."""
        await self._conn.execute(INSERT_COPY, original_id, new_id, new_event_id)

    async def record(self, new_id: UUID, original_id: UUID, operator: str, reason: str) -> None:
        """Who asked for the resend, and why."""
        await self._conn.execute(RECORD_RESEND, new_id, original_id, operator, reason)
