"""The outbox relay against raw Kafka, on identity's AccountImported records.

- `raw_publish`: the kit's `idempotent_producer` (acks=all) sends every record, then
  every acknowledgement is awaited: what Kafka and aiokafka manage with no database;
- `fill_outbox`: the records written with `Outbox.add`, TX_SIZE per transaction by
  `writers` concurrent writers (the untimed set-up of the drain, shown for reference);
- `relay_drain`: a running `OutboxRelay` drains that backlog; timed from its start until
  it has marked the last record published (only after Kafka acknowledged it);
- `end_to_end`: writers commit while the relay runs; timed from the first commit to the
  last record acknowledged and marked.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator, Callable
from uuid import UUID

import asyncpg
from aiokafka import AIOKafkaProducer

from frontdesk_contracts import AccountImported, KafkaRecord, new_event, to_record, uuid7
from frontdesk_kit import Outbox, OutboxRelay, backlog

from ..fixtures import BenchError
from . import Row

TX_SIZE = 100  # records per writer transaction, for the outbox fill and end to end
STUDIOS = 40  # the events spread over this many studios

Events = list[tuple[UUID, KafkaRecord]]


def build_events(count: int) -> Events:
    """`count` identity AccountImported events, one account each, as Kafka records."""
    events: Events = []
    for n in range(count):
        event = new_event(
            AccountImported(
                account_id=str(uuid7()),
                studio_id=f"studio-{n % STUDIOS:03d}",
                external_client_id=f"client-{n:07d}",
                given_name="Ada",
                family_name="Lovelace",
                emails=[f"ada.lovelace.{n}@example.com"],
                phone="+44 20 7946 0000",
            )
        )
        events.append((event.id, to_record(event)))
    return events


def on_topic(events: Events, topic: str) -> Events:
    """The same records (ids, keys, headers, values), bound for `topic`."""
    return [(event_id, dataclasses.replace(rec, topic=topic)) for event_id, rec in events]


def record_size(rec: KafkaRecord) -> int:
    """Bytes of key, value and headers."""
    return len(rec.key) + len(rec.value) + sum(len(k) + len(v) for k, v in rec.headers)


async def raw_publish(producer: AIOKafkaProducer, events: Events) -> Row:
    """Send every record, then await every acknowledgement."""
    start = time.perf_counter()
    sent = [
        await producer.send(rec.topic, value=rec.value, key=rec.key, headers=rec.headers)
        for _, rec in events
    ]
    await asyncio.gather(*sent)
    seconds = time.perf_counter() - start
    return Row("raw", {"seconds": seconds, "events_per_s": len(events) / seconds})


async def fill_outbox(dsn: str, events: Events, writers: int) -> Row:
    """Write `events` into the outbox of `dsn`, and check they are all pending."""
    async with asyncpg.create_pool(dsn, min_size=writers, max_size=writers) as pool:
        start = time.perf_counter()
        await write_outbox(pool, events, writers)
        seconds = time.perf_counter() - start
        pending, _ = await backlog(pool)
    if pending != len(events):
        raise BenchError(f"the outbox holds {pending} pending records, not {len(events)}")
    return Row("fill", {"seconds": seconds, "events_per_s": len(events) / seconds})


async def relay_drain(dsn: str, producer: AIOKafkaProducer, count: int, batch_size: int) -> Row:
    """Time a running relay draining the `count` records pending in the outbox of `dsn`."""
    async with relay_running(dsn, producer, batch_size) as (relay, task, pool):
        halfway: list[float] = []
        start = time.perf_counter()
        await until_published(relay, task, count, halfway=halfway)
        done = time.perf_counter()
        left, _ = await backlog(pool)
    if left != 0:
        raise BenchError(f"the relay reported all published but {left} are still pending")
    seconds = done - start
    figures = {"seconds": seconds, "events_per_s": count / seconds}
    if halfway and start < halfway[0] < done:  # not seen when one batch took all
        # a drain that slows down as it goes shows here: second half << first half
        figures["first_half_events_per_s"] = count / 2 / (halfway[0] - start)
        figures["second_half_events_per_s"] = count / 2 / (done - halfway[0])
    return Row("relay", figures)


async def end_to_end(
    dsn: str, producer: AIOKafkaProducer, events: Events, batch_size: int, writers: int
) -> Row:
    """Writers commit while the relay runs: first commit to last record acknowledged."""
    commits: list[float] = []
    async with (
        relay_running(dsn, producer, batch_size) as (relay, task, relay_pool),
        asyncpg.create_pool(dsn, min_size=writers, max_size=writers) as pool,
    ):
        await asyncio.sleep(0.3)  # the relay drains the empty outbox and waits for NOTIFY
        start = time.perf_counter()
        writing = asyncio.create_task(
            write_outbox(pool, events, writers, lambda: commits.append(time.perf_counter()))
        )
        try:
            await until_published(relay, task, len(events), writing=writing)
        except BaseException:
            writing.cancel()
            raise
        await writing
        done = time.perf_counter()
        left, _ = await backlog(relay_pool)
    if left != 0:
        raise BenchError(f"the relay reported all published but {left} are still pending")
    first, last = min(commits), max(commits)
    n = len(events)
    return Row(
        "end_to_end",
        {
            "seconds": done - first,
            "events_per_s": n / (done - first),
            "writers_events_per_s": n / (last - start),
            "tail_seconds": done - last,
        },
    )


async def write_outbox(
    pool: asyncpg.Pool, events: Events, writers: int, on_commit: Callable[[], None] | None = None
) -> None:
    """Write `events` with `Outbox.add`, TX_SIZE per transaction, `writers` at a time."""
    outbox = Outbox()
    chunks = [events[i : i + TX_SIZE] for i in range(0, len(events), TX_SIZE)]

    async def writer(mine: list[Events]) -> None:
        async with pool.acquire() as conn:
            for chunk in mine:
                async with conn.transaction():
                    for event_id, rec in chunk:
                        await outbox.add(conn, event_id, rec)
                if on_commit is not None:
                    on_commit()

    await asyncio.gather(*(writer(chunks[w::writers]) for w in range(writers)))


async def until_published(
    relay: OutboxRelay,
    task: asyncio.Task[None],
    count: int,
    writing: asyncio.Task[None] | None = None,
    halfway: list[float] | None = None,
) -> None:
    """Return as soon as `relay` has marked `count` records published (polled every ms).

    `halfway`, if given, receives the moment the first half of `count` was published.
    """
    while relay.published < count:
        if halfway is not None and not halfway and relay.published * 2 >= count:
            halfway.append(time.perf_counter())
        if task.done():
            task.result()  # the relay's own failure, if any
            raise BenchError("the relay stopped before it published everything")
        if writing is not None and writing.done():
            writing.result()  # the writers' own failure, if any
        await asyncio.sleep(0.001)


@contextlib.asynccontextmanager
async def relay_running(
    dsn: str, producer: AIOKafkaProducer, batch_size: int
) -> AsyncIterator[tuple[OutboxRelay, asyncio.Task[None], asyncpg.Pool]]:
    """An `OutboxRelay` running on its own pool of `dsn`, cancelled on exit."""
    async with asyncpg.create_pool(dsn, min_size=2, max_size=4) as pool:
        relay = OutboxRelay(pool, producer, batch_size=batch_size)
        task = asyncio.create_task(relay.run(), name="outbox-relay")
        try:
            yield relay, task, pool
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
