"""The transactional outbox and its relay, against real PostgreSQL and Kafka."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import asyncpg
import pytest

from frontdesk_kit import Outbox, OutboxError, OutboxRelay, backlog, idempotent_producer

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Record:
    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]] = field(default_factory=list)


def record(topic: str, key: str, seq: int) -> tuple[uuid.UUID, Record]:
    event_id = uuid.uuid4()
    body = json.dumps({"event_id": str(event_id), "key": key, "seq": seq}).encode()
    return event_id, Record(topic, key.encode(), body, [("ce_id", str(event_id).encode())])


@contextlib.asynccontextmanager
async def running(relay: OutboxRelay) -> AsyncIterator[OutboxRelay]:
    task = asyncio.create_task(relay.run())
    try:
        yield relay
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_rolled_back_event_is_never_published(pool, producer, make_topic, read_topic):
    topic = await make_topic()
    outbox = Outbox()
    rolled_back_id, rolled_back = record(topic, "acct-1", 1)
    committed_id, committed = record(topic, "acct-1", 2)

    with pytest.raises(RuntimeError):
        async with pool.acquire() as conn, conn.transaction():
            await outbox.add(conn, rolled_back_id, rolled_back)
            raise RuntimeError("the state change failed")
    async with pool.acquire() as conn, conn.transaction():
        await outbox.add(conn, committed_id, committed)

    async with running(OutboxRelay(pool, producer, poll_interval=0.1)):
        records = await read_topic(topic, expected=1)

    assert [json.loads(r.value)["event_id"] for r in records] == [str(committed_id)]
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 1


async def test_two_relays_publish_each_committed_event_exactly_once_in_key_order(
    database, kafka_bootstrap, make_topic, read_topic
):
    topic = await make_topic(partitions=6)
    outbox = Outbox()
    keys = [f"acct-{n}" for n in range(24)]
    sent = 0
    async with asyncpg.create_pool(database) as writer_pool:
        from frontdesk_kit import KIT_MIGRATIONS, migrate

        async with writer_pool.acquire() as conn:
            await migrate(conn, [("kit", KIT_MIGRATIONS)])
        relays = []
        async with contextlib.AsyncExitStack() as stack:
            for n in range(2):  # two service instances: own pool, own producer
                relay_pool = await stack.enter_async_context(asyncpg.create_pool(database))
                relay_producer = idempotent_producer(kafka_bootstrap, f"relay-{n}")
                await relay_producer.start()
                stack.push_async_callback(relay_producer.stop)
                relay = OutboxRelay(relay_pool, relay_producer, batch_size=50, poll_interval=0.1)
                relays.append(relay)
                await stack.enter_async_context(running(relay))
            for seq in range(25):  # writes keep arriving while both relays run
                async with writer_pool.acquire() as conn, conn.transaction():
                    for key in keys:
                        await outbox.add(conn, *record(topic, key, seq))
                        sent += 1
            records = await read_topic(topic, expected=sent, timeout=60)
            assert (await backlog(writer_pool))[0] == 0

    bodies = [json.loads(r.value) for r in records]
    ids = [b["event_id"] for b in bodies]
    assert len(ids) == sent == 600
    assert len(set(ids)) == sent, "an event was published twice"
    by_key: dict[str, list[int]] = defaultdict(list)
    for r, body in sorted(zip(records, bodies, strict=True), key=lambda p: p[0].offset):
        by_key[body["key"]].append(body["seq"])
        assert r.key == body["key"].encode()
    assert all(seqs == list(range(25)) for seqs in by_key.values()), "a key went out of order"
    assert sum(r.published for r in relays) == sent


async def test_notify_wakes_the_relay_long_before_its_poll_interval(
    pool, producer, make_topic, read_topic
):
    topic = await make_topic()
    async with running(OutboxRelay(pool, producer, poll_interval=120)):
        await asyncio.sleep(0.5)  # the relay has drained the empty outbox and sleeps
        event_id, rec = record(topic, "acct-9", 1)
        async with pool.acquire() as conn, conn.transaction():
            await Outbox().add(conn, event_id, rec)
        records = await read_topic(topic, expected=1, timeout=30)
    assert [r.key for r in records] == [b"acct-9"]


async def test_a_listen_connection_postgresql_drops_is_opened_again_and_wakes_the_relay(
    pool, producer, make_topic, read_topic
):
    """PostgreSQL ends the relay's LISTEN connection (a restart, an admin): the relay
    listens again at once, so the next NOTIFY still wakes it long before its poll."""
    topic = await make_topic()
    listening = (
        "SELECT pid FROM pg_stat_activity"
        " WHERE datname = current_database() AND query ILIKE 'LISTEN %'"
    )
    async with running(OutboxRelay(pool, producer, poll_interval=120)):
        await asyncio.sleep(0.5)
        [before] = [r["pid"] for r in await pool.fetch(listening)]
        assert await pool.fetchval("SELECT pg_terminate_backend($1)", before)
        await asyncio.sleep(1.0)
        [after] = [r["pid"] for r in await pool.fetch(listening)]
        assert after != before
        event_id, rec = record(topic, "acct-10", 1)
        async with pool.acquire() as conn, conn.transaction():
            await Outbox().add(conn, event_id, rec)
        records = await read_topic(topic, expected=1, timeout=30)
    assert [r.key for r in records] == [b"acct-10"]


async def test_polling_publishes_when_listen_is_off(pool, producer, make_topic, read_topic):
    topic = await make_topic()
    async with running(OutboxRelay(pool, producer, poll_interval=0.2, listen=False)):
        await asyncio.sleep(0.3)
        event_id, rec = record(topic, "acct-3", 1)
        async with pool.acquire() as conn, conn.transaction():
            await Outbox().add(conn, event_id, rec)
        records = await read_topic(topic, expected=1)
    assert len(records) == 1
    assert dict(records[0].headers)["ce_id"] == str(event_id).encode()


async def test_outbox_refuses_a_write_outside_a_transaction(pool):
    event_id, rec = record("any", "acct-1", 1)
    async with pool.acquire() as conn:
        with pytest.raises(OutboxError, match="transaction"):
            await Outbox().add(conn, event_id, rec)
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 0


async def test_outbox_refuses_a_record_without_key(pool):
    event_id, rec = record("any", "", 1)
    async with pool.acquire() as conn, conn.transaction():
        with pytest.raises(OutboxError, match="key"):
            await Outbox().add(conn, event_id, rec)


async def test_a_relay_keeps_unpublished_events_while_kafka_refuses_them(pool, producer):
    event_id, rec = record("no-such-topic-" + uuid.uuid4().hex[:8], "acct-1", 1)
    async with pool.acquire() as conn, conn.transaction():
        await Outbox().add(conn, event_id, rec)
    relay = OutboxRelay(pool, producer)
    with pytest.raises(Exception):  # noqa: B017 - whatever Kafka's client raises
        await asyncio.wait_for(relay.publish_batch(), 5)
    pending, _ = await backlog(pool)
    assert pending == 1, "an event Kafka never took must stay in the outbox"


async def test_a_topic_prefix_keeps_a_namespace_apart(pool, producer, make_topic, read_topic):
    prefix = f"ns{uuid.uuid4().hex[:6]}."
    topic = await make_topic(name=prefix + "frontdesk.identity.v1")
    event_id, rec = record("frontdesk.identity.v1", "acct-1", 1)
    async with pool.acquire() as conn, conn.transaction():
        await Outbox(topic_prefix=prefix).add(conn, event_id, rec)
    async with running(OutboxRelay(pool, producer, poll_interval=0.1)):
        records = await read_topic(topic, expected=1)
    assert [r.key for r in records] == [b"acct-1"]


async def test_published_rows_older_than_the_retention_are_pruned(
    pool, producer, make_topic, read_topic
):
    topic = await make_topic()
    for seq in range(3):
        async with pool.acquire() as conn, conn.transaction():
            await Outbox().add(conn, *record(topic, "acct-1", seq))
    relay = OutboxRelay(pool, producer, poll_interval=0.1, retention=timedelta(0))
    async with running(relay):
        await read_topic(topic, expected=3)
        for _ in range(50):
            if await pool.fetchval("SELECT count(*) FROM outbox") == 0:
                break
            await asyncio.sleep(0.1)
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 0


async def test_a_relay_refuses_a_pool_too_small_to_listen_and_publish(database, producer):
    async with asyncpg.create_pool(database, min_size=1, max_size=1) as tiny:
        with pytest.raises(ValueError, match="2\\+ connections"):
            await OutboxRelay(tiny, producer).run()


async def test_many_events_added_at_once_go_out_in_order(pool, producer, make_topic, read_topic):
    from frontdesk_contracts import ClientImported, new_event

    prefix = f"{uuid.uuid4().hex[:8]}."
    topic = await make_topic(name=prefix + "platform.client-imports.v1")
    events = [
        new_event(ClientImported(studio_id="s1", external_client_id=f"e{n}", given_name="A"))
        for n in range(50)
    ]
    async with pool.acquire() as conn, conn.transaction():
        await Outbox(topic_prefix=prefix).add_events(conn, events)
    async with running(OutboxRelay(pool, producer, poll_interval=0.1)):
        published = await read_topic(topic, 50)
    ids = [dict(r.headers)["ce_id"].decode() for r in published]
    assert ids == [str(e.id) for e in events]  # one key: one partition, in order
