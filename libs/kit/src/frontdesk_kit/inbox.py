"""Idempotent consumers: each event's effect is applied once per consumer group.

The row that says "this consumer handled event X" is inserted in the same
transaction as the effect. A redelivered or replayed event finds the row and
changes nothing; if the effect rolls back, so does the row, and a retry applies it.

The ledger is pruned (`prune`) of rows older than a retention that must outlast the
longest replay the topics allow (`frontdesk_contracts.longest_replay_ms`): an event
whose row was pruned is handled again if it is ever delivered again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

_CLAIM = """
INSERT INTO handled_events (consumer, event_id) VALUES ($1, $2)
ON CONFLICT DO NOTHING
RETURNING event_id
"""
# Sorted, so two transactions claiming overlapping batches lock the rows in one order.
_CLAIM_MANY = """
INSERT INTO handled_events (consumer, event_id)
SELECT $1, id FROM unnest($2::uuid[]) AS id ORDER BY id
ON CONFLICT DO NOTHING
RETURNING event_id
"""
_SEEN = "SELECT 1 FROM handled_events WHERE consumer = $1 AND event_id = $2"
_SEEN_MANY = """
SELECT event_id FROM handled_events WHERE consumer = $1 AND event_id = ANY($2::uuid[])
"""
_PRUNE = """
DELETE FROM handled_events WHERE consumer = $1 AND event_id IN (
    SELECT event_id FROM handled_events
    WHERE consumer = $1 AND handled_at < $2
    ORDER BY handled_at
    LIMIT $3
    FOR UPDATE SKIP LOCKED
)
"""

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

    async def claim(self, conn: asyncpg.Connection, event_ids: Sequence[UUID]) -> set[UUID]:
        """Mark `event_ids` handled in `conn`'s open transaction; the ids not handled before.

        One statement for a whole batch: the rows commit or roll back with the caller's
        effect, exactly like `once`'s single row.
        """
        if not conn.is_in_transaction():
            raise RuntimeError("HandledEvents.claim needs the caller's open transaction")
        rows = await conn.fetch(_CLAIM_MANY, self.consumer, list(event_ids))
        return {row["event_id"] for row in rows}

    async def seen(self, event_id: UUID) -> bool:
        """Whether this consumer has already handled `event_id`."""
        return await self._pool.fetchval(_SEEN, self.consumer, event_id) is not None

    async def seen_among(self, event_ids: Sequence[UUID]) -> set[UUID]:
        """Which of `event_ids` this consumer has already handled (one query)."""
        if not event_ids:
            return set()
        rows = await self._pool.fetch(_SEEN_MANY, self.consumer, list(event_ids))
        return {row["event_id"] for row in rows}

    async def prune(self, before: datetime, batch: int = 10_000) -> int:
        """Forget this consumer's events handled before `before`; return how many.

        Deletes in statements of at most `batch` rows, each its own transaction, so a
        large backlog never holds locks for long. Rows another instance is pruning at
        the same moment are skipped, not waited for; a pass that skipped some may stop
        early, and the next pass takes the rest.
        """
        if before.tzinfo is None:
            raise ValueError("prune needs an aware datetime: a naive one names no instant")
        if batch < 1:
            raise ValueError(f"batch must be at least 1, not {batch}")
        pruned = 0
        while True:
            status = await self._pool.execute(_PRUNE, self.consumer, before, batch)
            deleted = int(status.removeprefix("DELETE "))
            pruned += deleted
            if deleted < batch:
                return pruned
