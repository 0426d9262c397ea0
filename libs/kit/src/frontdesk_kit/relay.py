"""Transactional outbox: the relay that publishes committed records to Kafka.

Each pass claims lanes with `FOR UPDATE SKIP LOCKED`, so several relays (one per
service instance) share the work without ever publishing one lane twice at once;
a key always maps to the same lane, so each key's records go out in commit order.
Records are marked published in the same transaction only after Kafka acknowledged
every one of them (idempotent producer, acks=all). A crash in between publishes the
batch again: at least once, which the consumers' handled-event records absorb.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer

from .outbox import OUTBOX_CHANNEL

log = logging.getLogger("frontdesk.outbox")

_CLAIM_LANES = """
SELECT l.lane FROM outbox_lanes l
WHERE EXISTS (SELECT 1 FROM outbox o WHERE o.lane = l.lane AND o.published_at IS NULL)
ORDER BY l.lane
FOR UPDATE OF l SKIP LOCKED
"""
_PENDING = """
SELECT id, topic, key, headers, value FROM outbox
WHERE lane = ANY($1::smallint[]) AND published_at IS NULL
ORDER BY id
LIMIT $2
"""
_MARK_PUBLISHED = "UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])"
_PRUNE = """
DELETE FROM outbox WHERE id IN (
    SELECT id FROM outbox WHERE published_at < $1 ORDER BY published_at LIMIT $2
)
"""
_BACKLOG = """
SELECT count(*) AS pending, extract(epoch FROM now() - min(created_at)) AS oldest_age
FROM outbox WHERE published_at IS NULL
"""


class OutboxRelay:
    """Publishes the outbox of one database; run one per service instance."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        producer: AIOKafkaProducer,
        *,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        listen: bool = True,
        channel: str = OUTBOX_CHANNEL,
        retention: timedelta | None = timedelta(days=7),
    ) -> None:
        self._pool = pool
        self._producer = producer
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._listen = listen
        self._channel = channel
        self._wake = asyncio.Event()
        self._retention = retention  # published rows kept this long, e.g. to republish
        self._last_prune = float("-inf")
        self._listener: asyncpg.Connection | None = None
        self.published = 0

    async def run(self) -> None:
        """Publish until cancelled: drain, then sleep until NOTIFY or the poll interval."""
        if self._listen and self._pool.get_max_size() < 2:
            raise ValueError("OutboxRelay needs a pool of 2+ connections: one LISTENs")
        try:
            while True:
                # Clear before draining: a NOTIFY during the drain then wakes the next wait.
                self._wake.clear()
                try:
                    await self._ensure_listening()
                    while await self.publish_batch():
                        pass
                    await self._prune_if_due()
                except Exception as error:  # noqa: BLE001 - database or Kafka down: retry
                    log.warning("outbox relay pass failed; retrying", extra={"error": repr(error)})
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._poll_interval):
                        await self._wake.wait()
        finally:
            await self._stop_listening()

    async def _prune_if_due(self) -> None:
        """Delete rows published longer ago than the retention, at most once a minute."""
        now = time.monotonic()
        if self._retention is None or now - self._last_prune < 60:
            return
        self._last_prune = now
        cutoff = datetime.now(UTC) - self._retention
        while (await self._pool.execute(_PRUNE, cutoff, 10_000)) != "DELETE 0":
            pass

    async def publish_batch(self) -> int:
        """Publish one batch of pending records; return how many went out."""
        async with self._pool.acquire() as conn, conn.transaction():
            lanes = [r["lane"] for r in await conn.fetch(_CLAIM_LANES)]
            if not lanes:
                return 0
            rows = await conn.fetch(_PENDING, lanes, self._batch_size)
            sent = [await self._send(row) for row in rows]
            await asyncio.gather(*sent)
            await conn.execute(_MARK_PUBLISHED, [row["id"] for row in rows])
        self.published += len(rows)
        return len(rows)

    async def _send(self, row: asyncpg.Record) -> asyncio.Future[Any]:
        headers = [(name, value.encode()) for name, value in _json(row["headers"])]
        sent: asyncio.Future[Any] = await self._producer.send(
            row["topic"], value=row["value"], key=row["key"], headers=headers
        )
        return sent

    async def _ensure_listening(self) -> None:
        """Hold one connection that LISTENs; re-open it if it was lost (polling covers gaps).
        Losing it wakes the relay at once, so it listens again without waiting a poll."""
        if not self._listen or self._listening():
            return
        await self._stop_listening()
        conn: asyncpg.Connection = await self._pool.acquire()
        try:
            await conn.add_listener(self._channel, self._on_notify)
            conn.add_termination_listener(self._on_notify)
        except Exception as error:  # noqa: BLE001 - e.g. a connection PostgreSQL dropped
            await self._pool.release(conn)
            log.warning("LISTEN failed; relying on polling", extra={"error": repr(error)})
            return
        self._listener = conn

    def _listening(self) -> bool:
        try:
            return self._listener is not None and not self._listener.is_closed()
        except asyncpg.InterfaceError:  # PostgreSQL dropped it and the pool took it back
            return False

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def _stop_listening(self) -> None:
        conn, self._listener = self._listener, None
        if conn is None:
            return
        # A connection PostgreSQL dropped may already be back in the pool: nothing to undo.
        with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            conn.remove_termination_listener(self._on_notify)
            if not conn.is_closed():
                await conn.remove_listener(self._channel, self._on_notify)
            await self._pool.release(conn)


def _json(value: Any) -> list[list[str]]:
    decoded: list[list[str]] = value if isinstance(value, list) else json.loads(value)
    return decoded


async def backlog(pool: asyncpg.Pool) -> tuple[int, float]:
    """Pending records and the age in seconds of the oldest, for metrics and readiness."""
    row = await pool.fetchrow(_BACKLOG)
    assert row is not None
    return int(row["pending"]), float(row["oldest_age"] or 0.0)
