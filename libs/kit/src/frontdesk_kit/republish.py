"""The outbox's history, for ops: find and re-queue already published events.

Republishing sets a published row back to pending, so the relay sends the very same
record again (same event id, key and value; each key's events in their original order,
before anything newer on its lane). A consumer that lost its data handles the event
again; one that kept its handled-event record skips it. Only rows still within the
outbox retention (the relay prunes published rows after a week) can be republished.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg

from .outbox import OUTBOX_CHANNEL

COUNT_PUBLISHED = """
SELECT count(*) FROM outbox
WHERE published_at IS NOT NULL
  AND ($1::bytea IS NULL OR key = $1)
  AND ($2::timestamptz IS NULL OR created_at >= $2)
  AND ($3::timestamptz IS NULL OR created_at < $3)
"""
REQUEUE_PUBLISHED = """
UPDATE outbox SET published_at = NULL
WHERE published_at IS NOT NULL
  AND ($1::bytea IS NULL OR key = $1)
  AND ($2::timestamptz IS NULL OR created_at >= $2)
  AND ($3::timestamptz IS NULL OR created_at < $3)
"""
WAKE_RELAY = "SELECT pg_notify($1, '')"


class OutboxHistory:
    """Published outbox rows of one database, by account (record key) and creation time."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def count(
        self, account_id: str | None, since: datetime | None, until: datetime | None
    ) -> int:
        """How many published rows match."""
        found = await self._pool.fetchval(COUNT_PUBLISHED, _key(account_id), since, until)
        return int(found or 0)

    async def requeue(
        self, account_id: str | None, since: datetime | None, until: datetime | None
    ) -> int:
        """Set the matching rows pending again and wake the relay; return how many."""
        async with self._pool.acquire() as conn, conn.transaction():
            status = await conn.execute(REQUEUE_PUBLISHED, _key(account_id), since, until)
            await conn.execute(WAKE_RELAY, OUTBOX_CHANNEL)
        return int(status.split()[-1])


def _key(account_id: str | None) -> bytes | None:
    # Records are keyed by the account id they concern (the catalogue's key rule).
    return account_id.encode("utf-8") if account_id is not None else None
