"""Idempotent consumers: each event's effect is applied once per consumer group.

The row that says "this consumer handled event X" is inserted in the same
transaction as the effect. A redelivered or replayed event finds the row and
changes nothing; if the effect rolls back, so does the row, and a retry applies it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID

import asyncpg

_CLAIM = """
INSERT INTO handled_events (consumer, event_id) VALUES ($1, $2)
ON CONFLICT DO NOTHING
RETURNING event_id
"""
_SEEN = "SELECT 1 FROM handled_events WHERE consumer = $1 AND event_id = $2"

Effect = Callable[[asyncpg.Connection], Awaitable[None]]


class HandledEvents:
    """The handled-event ledger of one consumer (usually the consumer group id)."""

    def __init__(self, pool: asyncpg.Pool, consumer: str) -> None:
        self._pool = pool
        self.consumer = consumer

    async def once(self, event_id: UUID, effect: Effect) -> bool:
        """Run `effect` in a transaction unless this event was handled; True if it ran.

        A concurrent duplicate blocks on the ledger's primary key until the first
        commits, then sees the row and skips, so two instances never both apply it.
        """
        async with self._pool.acquire() as conn, conn.transaction():
            if await conn.fetchval(_CLAIM, self.consumer, event_id) is None:
                return False
            await effect(conn)
        return True

    async def seen(self, event_id: UUID) -> bool:
        """Whether this consumer has already handled `event_id`."""
        return await self._pool.fetchval(_SEEN, self.consumer, event_id) is not None
