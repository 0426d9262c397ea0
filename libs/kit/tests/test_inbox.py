"""Pruning the handled-event ledger: bounded batches, one consumer, only what is old enough.

The real statement runs against PostgreSQL in
tests/integration/test_handled_events_and_migrations.py; here a fake pool plays the
ledger, to pin the batching and the refusals.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from uuid import UUID

import pytest

from frontdesk_kit import KIT_MIGRATIONS, HandledEvents
from frontdesk_kit.inbox import _PRUNE
from frontdesk_kit.migrations import load

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
CUTOFF = NOW - timedelta(days=45)


@dataclass
class FakeLedgerPool:
    """Stands in for the pool: keeps ledger rows and runs the prune statement on them."""

    rows: list[tuple[str, UUID, datetime]] = field(default_factory=list)
    deletes: list[int] = field(default_factory=list)

    def handled(self, consumer: str, at: datetime, count: int = 1) -> None:
        self.rows += [(consumer, uuid.uuid4(), at) for _ in range(count)]

    async def execute(self, query: str, consumer: str, before: datetime, limit: int) -> str:
        assert query == _PRUNE
        due = sorted(
            (r for r in self.rows if r[0] == consumer and r[2] < before), key=lambda r: r[2]
        )
        gone = due[:limit]
        self.rows = [r for r in self.rows if r not in gone]
        self.deletes.append(len(gone))
        return f"DELETE {len(gone)}"

    def left(self, consumer: str) -> int:
        return sum(1 for r in self.rows if r[0] == consumer)


def ledger(pool: FakeLedgerPool, consumer: str = "frontdesk-identity") -> HandledEvents:
    return HandledEvents(cast(Any, pool), consumer)


async def test_prune_deletes_in_bounded_batches_until_nothing_old_is_left() -> None:
    pool = FakeLedgerPool()
    pool.handled("frontdesk-identity", CUTOFF - timedelta(days=1), count=25)
    pool.handled("frontdesk-identity", CUTOFF + timedelta(seconds=1), count=3)

    pruned = await ledger(pool).prune(CUTOFF, batch=10)

    assert pruned == 25
    assert pool.deletes == [10, 10, 5]
    assert pool.left("frontdesk-identity") == 3


async def test_a_last_full_batch_is_followed_by_one_that_finds_nothing() -> None:
    pool = FakeLedgerPool()
    pool.handled("frontdesk-identity", CUTOFF - timedelta(hours=1), count=20)

    assert await ledger(pool).prune(CUTOFF, batch=10) == 20
    assert pool.deletes == [10, 10, 0]


async def test_prune_keeps_other_consumers_rows() -> None:
    pool = FakeLedgerPool()
    pool.handled("frontdesk-identity", CUTOFF - timedelta(days=3), count=2)
    pool.handled("frontdesk-notifications", CUTOFF - timedelta(days=3), count=4)

    assert await ledger(pool, "frontdesk-notifications").prune(CUTOFF) == 4
    assert pool.left("frontdesk-identity") == 2
    assert pool.left("frontdesk-notifications") == 0


async def test_an_empty_ledger_takes_one_statement() -> None:
    pool = FakeLedgerPool()

    assert await ledger(pool).prune(CUTOFF) == 0
    assert pool.deletes == [0]


async def test_a_naive_cutoff_is_refused_before_anything_is_deleted() -> None:
    pool = FakeLedgerPool()
    pool.handled("frontdesk-identity", CUTOFF - timedelta(days=1))

    with pytest.raises(ValueError, match="aware datetime"):
        await ledger(pool).prune(CUTOFF.replace(tzinfo=None))
    assert pool.deletes == []


@pytest.mark.parametrize("batch", [0, -1])
async def test_a_batch_below_one_is_refused(batch: int) -> None:
    pool = FakeLedgerPool()

    with pytest.raises(ValueError, match="batch must be at least 1"):
        await ledger(pool).prune(CUTOFF, batch=batch)
    assert pool.deletes == []


def test_the_kit_migrations_index_the_ledger_by_consumer_and_handled_at() -> None:
    sql = "\n".join(m.sql for m in load("kit", KIT_MIGRATIONS))

    assert "handled_at timestamptz NOT NULL DEFAULT now()" in sql
    assert "ON handled_events (consumer, handled_at)" in sql
