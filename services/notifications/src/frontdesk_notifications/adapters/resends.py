"""SQL of ops' resend: copy a sent message as a new queued one, and record who asked."""

from __future__ import annotations

from uuid import UUID

import asyncpg

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


class Resends:
    """The outgoing-message copies ops ask for, in the caller's transaction."""

    async def lock_original(
        self, conn: asyncpg.Connection, message_id: UUID
    ) -> asyncpg.Record | None:
        """The original message's facts, locked until the transaction ends (None: unknown)."""
        return await conn.fetchrow(LOCK_ORIGINAL, message_id)

    async def copy(
        self, conn: asyncpg.Connection, original_id: UUID, new_id: UUID, new_event_id: UUID
    ) -> None:
        """Queue a copy of the original under a new id (and a new event id: the log keeps
        one message per event and kind)."""
        await conn.execute(INSERT_COPY, original_id, new_id, new_event_id)

    async def record(
        self, conn: asyncpg.Connection, new_id: UUID, original_id: UUID, operator: str, reason: str
    ) -> None:
        """Who asked for the resend, and why."""
        await conn.execute(RECORD_RESEND, new_id, original_id, operator, reason)
