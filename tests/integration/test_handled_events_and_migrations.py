"""Idempotent handling and migrations against real PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from frontdesk_kit import KIT_MIGRATIONS, HandledEvents, MigrationError, migrate, pending
from frontdesk_kit.migrations import load

pytestmark = pytest.mark.integration


async def count(pool: asyncpg.Pool, table: str) -> int:
    return int(await pool.fetchval(f"SELECT count(*) FROM {table}"))  # noqa: S608 - test tables


async def test_an_event_handled_twice_has_its_effect_once(pool):
    await pool.execute("CREATE TABLE effects (n int)")
    handled = HandledEvents(pool, "frontdesk-notifications")
    event_id = uuid.uuid4()

    async def effect(conn: asyncpg.Connection) -> None:
        await conn.execute("INSERT INTO effects VALUES (1)")

    assert await handled.once(event_id, effect) is True
    assert await handled.once(event_id, effect) is False
    assert await count(pool, "effects") == 1
    assert await handled.seen(event_id)


async def test_concurrent_duplicates_apply_the_effect_exactly_once(pool):
    await pool.execute("CREATE TABLE effects (n int)")
    handled = HandledEvents(pool, "frontdesk-identity")
    event_id = uuid.uuid4()

    async def slow_effect(conn: asyncpg.Connection) -> None:
        await conn.execute("INSERT INTO effects VALUES (1)")
        await asyncio.sleep(0.2)  # the duplicate arrives while this one is still open

    results = await asyncio.gather(*(handled.once(event_id, slow_effect) for _ in range(5)))
    assert sorted(results) == [False] * 4 + [True]
    assert await count(pool, "effects") == 1


async def test_a_failed_effect_leaves_no_trace_so_a_retry_applies_it(pool):
    await pool.execute("CREATE TABLE effects (n int)")
    handled = HandledEvents(pool, "frontdesk-identity")
    event_id = uuid.uuid4()

    async def failing(conn: asyncpg.Connection) -> None:
        await conn.execute("INSERT INTO effects VALUES (1)")
        raise RuntimeError("SMTP down")

    async def working(conn: asyncpg.Connection) -> None:
        await conn.execute("INSERT INTO effects VALUES (2)")

    with pytest.raises(RuntimeError):
        await handled.once(event_id, failing)
    assert not await handled.seen(event_id)
    assert await handled.once(event_id, working) is True
    assert await pool.fetchval("SELECT array_agg(n) FROM effects") == [2]


async def test_consumers_keep_separate_ledgers(pool):
    event_id = uuid.uuid4()

    async def nothing(conn: asyncpg.Connection) -> None:
        return None

    assert await HandledEvents(pool, "frontdesk-identity").once(event_id, nothing)
    assert await HandledEvents(pool, "frontdesk-notifications").once(event_id, nothing)


async def handle(handled: HandledEvents, event_id: uuid.UUID) -> bool:
    """Handle `event_id` once, with an effect that counts itself in the effects table."""

    async def effect(conn: asyncpg.Connection) -> None:
        await conn.execute("INSERT INTO effects VALUES (1)")

    return await handled.once(event_id, effect)


async def handled_days_ago(pool: asyncpg.Pool, days: float, *event_ids: uuid.UUID) -> None:
    """Age ledger rows, as if their events were handled `days` ago."""
    await pool.execute(
        "UPDATE handled_events SET handled_at = now() - make_interval(secs => $1) "
        "WHERE event_id = ANY($2::uuid[])",
        days * 86_400,
        list(event_ids),
    )


async def test_pruning_forgets_old_events_and_keeps_recent_ones(pool):
    await pool.execute("CREATE TABLE effects (n int)")
    identity = HandledEvents(pool, "frontdesk-identity")
    notifications = HandledEvents(pool, "frontdesk-notifications")
    old = [uuid.uuid4() for _ in range(5)]
    recent = [uuid.uuid4() for _ in range(3)]
    others = [uuid.uuid4() for _ in range(2)]
    for event_id in old + recent:
        assert await handle(identity, event_id)
    for event_id in others:
        assert await handle(notifications, event_id)
    await handled_days_ago(pool, 46, *old, *others)
    await handled_days_ago(pool, 44, *recent)

    pruned = await identity.prune(datetime.now(UTC) - timedelta(days=45), batch=2)

    assert pruned == 5
    assert [await identity.seen(e) for e in old] == [False] * 5
    assert [await identity.seen(e) for e in recent] == [True] * 3
    assert [await notifications.seen(e) for e in others] == [True] * 2, "another consumer's rows"
    assert await count(pool, "handled_events") == 5


async def test_a_pruned_event_delivered_again_is_handled_again(pool):
    """What a replay reaching past the ledger's retention does: the effect runs twice."""
    await pool.execute("CREATE TABLE effects (n int)")
    handled = HandledEvents(pool, "frontdesk-client-registry")
    event_id = uuid.uuid4()
    assert await handle(handled, event_id)
    assert not await handle(handled, event_id), "a redelivery within the retention"
    await handled_days_ago(pool, 31, event_id)

    assert await handled.prune(datetime.now(UTC) - timedelta(days=30)) == 1

    assert await handle(handled, event_id) is True
    assert await count(pool, "effects") == 2
    assert await handled.seen(event_id)


async def test_the_ledger_notes_when_and_is_indexed_for_pruning(pool):
    handled = HandledEvents(pool, "frontdesk-identity")
    event_id = uuid.uuid4()

    async def nothing(conn: asyncpg.Connection) -> None:
        return None

    await handled.once(event_id, nothing)

    age = await pool.fetchval(
        "SELECT now() - handled_at FROM handled_events WHERE event_id = $1", event_id
    )
    assert timedelta(0) <= age < timedelta(minutes=1)
    index = await pool.fetchval(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'handled_events_handled_at'"
    )
    assert index is not None and index.endswith("(consumer, handled_at)")


def service_migrations(tmp_path: Path, *files: tuple[str, str]) -> Path:
    folder = tmp_path / "migrations"
    folder.mkdir(exist_ok=True)
    for name, sql in files:
        (folder / name).write_text(sql)
    return folder


async def test_concurrent_migration_runs_apply_each_migration_once(database, tmp_path):
    folder = service_migrations(
        tmp_path,
        ("0001_accounts.sql", "CREATE TABLE accounts (id uuid PRIMARY KEY);"),
        ("0002_emails.sql", "CREATE TABLE emails (address text PRIMARY KEY);"),
    )
    components = [("kit", KIT_MIGRATIONS), ("identity", folder)]
    conns = [await asyncpg.connect(database) for _ in range(3)]
    try:
        results = await asyncio.gather(*(migrate(c, components) for c in conns))
    finally:
        for c in conns:
            await c.close()
    applied = [name for result in results for name in result]
    kit = [f"kit/{m.version:04d}_{m.name}" for m in load("kit", KIT_MIGRATIONS)]
    expected = sorted(["identity/0001_accounts", "identity/0002_emails", *kit])
    assert sorted(applied) == expected, "a migration was applied twice or not at all"
    async with asyncpg.create_pool(database) as pool:
        assert await count(pool, "schema_migrations") == len(expected)
        async with pool.acquire() as conn:
            assert await pending(conn, components) == []


async def test_pending_migrations_are_reported_and_then_applied(database, tmp_path):
    folder = service_migrations(tmp_path, ("0001_accounts.sql", "CREATE TABLE accounts (id int);"))
    conn = await asyncpg.connect(database)
    try:
        assert await pending(conn, [("identity", folder)]) == ["identity/0001_accounts"]
        await migrate(conn, [("identity", folder)])
        service_migrations(tmp_path, ("0002_more.sql", "ALTER TABLE accounts ADD n int;"))
        assert await pending(conn, [("identity", folder)]) == ["identity/0002_more"]
        assert await migrate(conn, [("identity", folder)]) == ["identity/0002_more"]
    finally:
        await conn.close()


async def test_editing_an_applied_migration_is_refused(database, tmp_path):
    folder = service_migrations(tmp_path, ("0001_accounts.sql", "CREATE TABLE accounts (id int);"))
    conn = await asyncpg.connect(database)
    try:
        await migrate(conn, [("identity", folder)])
        (folder / "0001_accounts.sql").write_text("CREATE TABLE accounts (id bigint);")
        with pytest.raises(MigrationError, match="edited after it was applied"):
            await migrate(conn, [("identity", folder)])
    finally:
        await conn.close()


async def test_a_failing_migration_rolls_back_and_is_not_recorded(database, tmp_path):
    folder = service_migrations(
        tmp_path,
        ("0001_ok.sql", "CREATE TABLE ok (id int);"),
        ("0002_broken.sql", "CREATE TABLE half (id int); SELECT no_such_function();"),
    )
    conn = await asyncpg.connect(database)
    try:
        with pytest.raises(asyncpg.UndefinedFunctionError):
            await migrate(conn, [("identity", folder)])
        assert await conn.fetchval("SELECT to_regclass('half')") is None
        assert await pending(conn, [("identity", folder)]) == ["identity/0002_broken"]
        # the lock was released: another run can proceed (and fail the same way)
        with pytest.raises(asyncpg.UndefinedFunctionError):
            await asyncio.wait_for(migrate(conn, [("identity", folder)]), 10)
    finally:
        await conn.close()


async def test_a_batch_claims_only_the_events_not_handled_before(pool):
    handled = HandledEvents(pool, "frontdesk-identity")
    old, new = uuid.uuid4(), uuid.uuid4()
    assert await handled.once(old, lambda conn: asyncio.sleep(0)) is True
    async with pool.acquire() as conn, conn.transaction():
        assert await handled.claim(conn, [old, new, new]) == {new}
    assert await handled.seen(new)


async def test_a_batch_claim_rolls_back_with_its_effect(pool):
    handled = HandledEvents(pool, "frontdesk-identity")
    event_id = uuid.uuid4()
    with pytest.raises(RuntimeError):
        async with pool.acquire() as conn, conn.transaction():
            await handled.claim(conn, [event_id])
            raise RuntimeError("the effect failed")
    assert not await handled.seen(event_id)


async def test_a_batch_claim_outside_a_transaction_is_refused(pool):
    async with pool.acquire() as conn:
        with pytest.raises(RuntimeError, match="open transaction"):
            await HandledEvents(pool, "frontdesk-identity").claim(conn, [uuid.uuid4()])
