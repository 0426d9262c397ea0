"""`python -m frontdesk_devstack.bench`: the outbox relay's throughput against raw Kafka.

One process, one run, against the running local stack (`python -m frontdesk_devstack up`):

1. raw publish: N real contract events (identity's AccountImported, serialised with
   `to_record`) sent with the kit's `idempotent_producer` (acks=all): send all, await
   every acknowledgement. The baseline: what Kafka and aiokafka manage without a database.
2. relay drain: the same N records written beforehand (untimed) into the outbox of a
   fresh database with `Outbox.add`, 100 per transaction; then a running `OutboxRelay`
   drains that backlog to Kafka. Timed from the relay's start until it has marked the
   last record published (which it does only after Kafka acknowledged it).
3. end to end (unless --no-end-to-end): writers commit the same N records while the
   relay runs; timed from the first commit to the last record acknowledged and marked.

Each repeat uses fresh topics (6 partitions) and fresh databases, all dropped at the
end, failure or not. Afterwards every record of every topic is read back and its
`ce_id` header compared with the ids written: each one present exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import platform
import signal
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from importlib.metadata import version
from typing import Any
from uuid import UUID

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError

from frontdesk_contracts import AccountImported, KafkaRecord, new_event, to_record, uuid7
from frontdesk_kit import KIT_MIGRATIONS, Outbox, OutboxRelay, backlog, idempotent_producer, migrate

from .config import StackConfig

PARTITIONS = 6
TX_SIZE = 100  # records per writer transaction, for the outbox fill and end to end
STUDIOS = 40  # the events spread over this many studios
CLEANUP_TIMEOUT = 30.0

Events = list[tuple[UUID, KafkaRecord]]


class BenchError(RuntimeError):
    """The benchmark could not run (stack not up, a phase hung, ...)."""


# --------------------------------------------------------------------------- arguments


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m frontdesk_devstack.bench",
        description="Outbox relay throughput against raw aiokafka publishing, on the local "
        "Kafka and PostgreSQL (start them with `python -m frontdesk_devstack up`).",
    )
    parser.add_argument(
        "--events", type=_positive, default=20000, metavar="N", help="events per phase (20000)"
    )
    parser.add_argument(
        "--batch-size", type=_positive, default=500, help="the relay's batch_size (500)"
    )
    parser.add_argument(
        "--repeat", type=_positive, default=3, metavar="R", help="repeats; median, min, max (3)"
    )
    parser.add_argument(
        "--writers",
        type=_positive,
        default=4,
        metavar="W",
        help=f"concurrent writers filling the outbox, {TX_SIZE} events per transaction (4)",
    )
    parser.add_argument(
        "--no-end-to-end",
        dest="end_to_end",
        action="store_false",
        help="skip the phase where writers commit while the relay runs",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    return parser.parse_args(argv)


# --------------------------------------------------------------------------- the events


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
    return len(rec.key) + len(rec.value) + sum(len(k) + len(v) for k, v in rec.headers)


# --------------------------------------------------------------------------- resources


class Topics:
    """Uniquely named topics of this run, all deleted by `delete_all`."""

    def __init__(self, bootstrap: str, run_id: str) -> None:
        self._bootstrap = bootstrap
        self._run_id = run_id
        self._created: list[str] = []

    async def create(self, names: list[str]) -> list[str]:
        topics = [f"bench.{self._run_id}.{name}" for name in names]
        admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap, request_timeout_ms=15000)
        await admin.start()
        try:
            self._created += topics  # before the call: a timeout may still have created them
            await admin.create_topics([NewTopic(t, PARTITIONS, 1) for t in topics])
        finally:
            await admin.close()
        return topics

    async def delete_all(self) -> None:
        if not self._created:
            return
        admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap, request_timeout_ms=15000)
        try:
            async with asyncio.timeout(CLEANUP_TIMEOUT):
                await admin.start()
                existing = set(await admin.list_topics())
                doomed = [t for t in self._created if t in existing]
                if doomed:
                    await admin.delete_topics(doomed)
            self._created = []
        except Exception as error:  # noqa: BLE001 - report what is left, never mask the run
            note(f"warning: could not delete topics {self._created}: {error!r}")
        finally:
            await admin.close()


class Databases:
    """Throwaway databases on the local cluster, each dropped by `drop` or `drop_all`."""

    def __init__(self, admin_dsn: str, run_id: str) -> None:
        self._admin_dsn = admin_dsn
        self._run_id = run_id
        self._created: list[str] = []

    async def create(self, name: str) -> str:
        """Create database `name` with the kit's tables; return its DSN."""
        database = f"bench_{self._run_id}_{name}"
        admin = await asyncpg.connect(self._admin_dsn, timeout=10)
        try:
            self._created.append(database)
            await admin.execute(f'CREATE DATABASE "{database}"')
        finally:
            await admin.close()
        dsn = self._admin_dsn.rsplit("/", 1)[0] + f"/{database}"
        conn = await asyncpg.connect(dsn, timeout=10)
        try:
            await migrate(conn, [("kit", KIT_MIGRATIONS)])
        finally:
            await conn.close()
        return dsn

    async def drop(self, dsn: str) -> None:
        database = dsn.rsplit("/", 1)[1]
        admin = await asyncpg.connect(self._admin_dsn, timeout=10)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        finally:
            await admin.close()
        self._created.remove(database)

    async def drop_all(self) -> None:
        for database in list(self._created):
            try:
                async with asyncio.timeout(CLEANUP_TIMEOUT):
                    await self.drop(self._admin_dsn.rsplit("/", 1)[0] + f"/{database}")
            except Exception as error:  # noqa: BLE001 - report what is left, never mask the run
                note(f"warning: could not drop database {database}: {error!r}")


# --------------------------------------------------------------------------- phases


async def publish_raw(producer: AIOKafkaProducer, events: Events) -> float:
    """Send every record, then await every acknowledgement; seconds taken."""
    start = time.perf_counter()
    sent = [
        await producer.send(rec.topic, value=rec.value, key=rec.key, headers=rec.headers)
        for _, rec in events
    ]
    await asyncio.gather(*sent)
    return time.perf_counter() - start


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
async def deadline(phase: str, seconds: float) -> AsyncIterator[None]:
    """A guard against a hung phase (a relay that silently retries for ever), not a target."""
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError:
        raise BenchError(
            f"{phase} did not finish within {seconds:.0f} s (see any relay warnings above)"
        ) from None


@contextlib.asynccontextmanager
async def relay_running(
    dsn: str, producer: AIOKafkaProducer, batch_size: int
) -> AsyncIterator[tuple[OutboxRelay, asyncio.Task[None], asyncpg.Pool]]:
    async with asyncpg.create_pool(dsn, min_size=2, max_size=4) as pool:
        relay = OutboxRelay(pool, producer, batch_size=batch_size)
        task = asyncio.create_task(relay.run(), name="outbox-relay")
        try:
            yield relay, task, pool
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def relay_drain(
    dsn: str, producer: AIOKafkaProducer, events: Events, batch_size: int, writers: int
) -> dict[str, float]:
    """Fill the outbox (untimed), then time a running relay draining it."""
    async with asyncpg.create_pool(dsn, min_size=writers, max_size=writers) as pool:
        start = time.perf_counter()
        await write_outbox(pool, events, writers)
        fill = time.perf_counter() - start
        pending, _ = await backlog(pool)
    if pending != len(events):
        raise BenchError(f"the outbox holds {pending} pending records, not {len(events)}")
    async with relay_running(dsn, producer, batch_size) as (relay, task, pool):
        halfway: list[float] = []
        start = time.perf_counter()
        await until_published(relay, task, len(events), halfway=halfway)
        done = time.perf_counter()
        left, _ = await backlog(pool)
    if left != 0:
        raise BenchError(f"the relay reported all published but {left} are still pending")
    figures = {"seconds": done - start, "fill_seconds": fill}
    if halfway and start < halfway[0] < done:  # not seen when one batch took all
        figures |= {
            "first_half_seconds": halfway[0] - start,
            "second_half_seconds": done - halfway[0],
        }
    return figures


async def end_to_end(
    dsn: str, producer: AIOKafkaProducer, events: Events, batch_size: int, writers: int
) -> dict[str, float]:
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
    return {
        "seconds": done - first,
        "writers_seconds": last - start,
        "tail_seconds": done - last,
    }


# --------------------------------------------------------------------------- the check


async def check_topic(bootstrap: str, topic: str, written: set[str]) -> dict[str, Any]:
    """Read the whole topic back: is every written ce_id there exactly once?"""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    seen: Counter[str] = Counter()
    try:
        parts = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        first = await consumer.beginning_offsets(parts)
        end = await consumer.end_offsets(parts)
        on_topic = sum(end[tp] - first[tp] for tp in parts)
        todo = {tp for tp in parts if end[tp] > first[tp]}
        async with deadline(f"reading {topic} back", 60):
            while todo:
                for tp, batch in (await consumer.getmany(*todo, timeout_ms=1000)).items():
                    for msg in batch:
                        seen[_ce_id(msg.headers)] += 1
                    if batch and batch[-1].offset + 1 >= end[tp]:
                        todo.discard(tp)
    finally:
        await stop_consumer(consumer)
    ids = set(seen)
    result = {
        "topic": topic,
        "written": len(written),
        "on_topic": on_topic,
        "read": sum(seen.values()),
        "distinct_ce_ids": len(ids),
        "duplicates": sum(n - 1 for n in seen.values() if n > 1),
        "missing": len(written - ids),
        "unexpected": len(ids - written),
    }
    result["ok"] = on_topic == result["read"] == len(written) == len(ids) and ids == written
    return result


async def leaders_ready(bootstrap: str, topics: list[str]) -> None:
    """Wait until every partition's leader answers (ListOffsets), so no phase pays for it."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        async with deadline("waiting for the new topics' partition leaders", 30):
            while not set(topics) <= await consumer.topics():  # noqa: ASYNC110 - polls Kafka
                await asyncio.sleep(0.1)
            await consumer.end_offsets(
                [TopicPartition(t, p) for t in topics for p in range(PARTITIONS)]
            )
    finally:
        await stop_consumer(consumer)


async def stop_consumer(consumer: AIOKafkaConsumer) -> None:
    """`consumer.stop()`, minus aiokafka 0.14's stray CancelledError.

    A consumer stopped right after `start()` re-raises the cancellation of an internal
    task that never ran; swallow that one, never a real cancellation of ours.
    """
    try:
        await consumer.stop()
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise


def _ce_id(headers: Sequence[tuple[str, bytes]]) -> str:
    for name, value in headers:
        if name == "ce_id":
            return value.decode()
    return "<no ce_id header>"


# --------------------------------------------------------------------------- the run


def note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_endpoints() -> dict[str, str]:
    path = StackConfig.from_env().root / "stack.json"
    try:
        endpoints: dict[str, str] = json.loads(path.read_text())
    except FileNotFoundError:
        raise BenchError(
            f"{path} not found: start the local stack first (python -m frontdesk_devstack up)"
        ) from None
    return endpoints


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    endpoints = load_endpoints()
    bootstrap, admin_dsn = endpoints["kafka_bootstrap"], endpoints["postgres_dsn"]
    run_id = uuid.uuid4().hex[:8]
    n, repeats = args.events, args.repeat
    phases = ["raw", "relay"] + (["e2e"] if args.end_to_end else [])
    limit = 60 + n / 100  # seconds per phase

    note(f"building {n} AccountImported events ...")
    events = build_events(n)
    written = {str(event_id) for event_id, _ in events}
    sizes = [record_size(rec) for _, rec in events]

    try:
        admin = await asyncpg.connect(admin_dsn, timeout=10)
    except (OSError, asyncpg.PostgresError) as error:
        raise BenchError(f"cannot reach PostgreSQL ({error}); is the stack up?") from None
    try:
        pg_version = str(await admin.fetchval("SHOW server_version"))
    finally:
        await admin.close()

    runs: list[dict[str, Any]] = []
    checks: list[tuple[str, int, str]] = []
    topics = Topics(bootstrap, run_id)
    databases = Databases(admin_dsn, run_id)
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(topics.delete_all)
        stack.push_async_callback(databases.drop_all)
        names = ["warmup"] + [f"{p}.{r}" for r in range(1, repeats + 1) for p in phases]
        try:
            async with asyncio.timeout(30):
                created = dict(zip(names, await topics.create(names), strict=True))
        except (KafkaError, OSError, TimeoutError) as error:
            raise BenchError(f"cannot create topics on Kafka at {bootstrap}: {error!r}") from None
        producer = idempotent_producer(bootstrap, client_id=f"frontdesk-bench-{run_id}")
        await producer.start()
        stack.push_async_callback(producer.stop)
        await leaders_ready(bootstrap, list(created.values()))
        # Warm the producer up (connections, producer id) before anything is timed.
        await publish_raw(producer, on_topic(events[:100], created["warmup"]))

        for r in range(1, repeats + 1):
            run: dict[str, Any] = {"repeat": r}
            async with deadline("raw publish", limit):
                mine = on_topic(events, created[f"raw.{r}"])
                seconds = await publish_raw(producer, mine)
                run["raw"] = {"seconds": seconds, "events_per_s": n / seconds}

            dsn = await databases.create(f"relay_{r}")
            mine = on_topic(events, created[f"relay.{r}"])
            async with deadline("relay drain", limit):
                drained = await relay_drain(dsn, producer, mine, args.batch_size, args.writers)
            await databases.drop(dsn)
            run["fill"] = {
                "seconds": drained["fill_seconds"],
                "events_per_s": n / drained["fill_seconds"],
            }
            run["relay"] = {
                "seconds": drained["seconds"],
                "events_per_s": n / drained["seconds"],
            }
            if "first_half_seconds" in drained:
                # a drain that slows down as it goes shows here: second half << first half
                run["relay"]["first_half_events_per_s"] = n / 2 / drained["first_half_seconds"]
                run["relay"]["second_half_events_per_s"] = n / 2 / drained["second_half_seconds"]
            run["relay_over_raw"] = run["relay"]["events_per_s"] / run["raw"]["events_per_s"]

            if args.end_to_end:
                dsn = await databases.create(f"e2e_{r}")
                mine = on_topic(events, created[f"e2e.{r}"])
                async with deadline("end to end", limit):
                    e2e = await end_to_end(dsn, producer, mine, args.batch_size, args.writers)
                await databases.drop(dsn)
                run["end_to_end"] = {
                    "seconds": e2e["seconds"],
                    "events_per_s": n / e2e["seconds"],
                    "writers_events_per_s": n / e2e["writers_seconds"],
                    "tail_seconds": e2e["tail_seconds"],
                }
            runs.append(run)
            note(
                f"repeat {r}/{repeats}: raw {run['raw']['events_per_s']:,.0f}/s, "
                f"relay {run['relay']['events_per_s']:,.0f}/s"
                + (
                    f", end to end {run['end_to_end']['events_per_s']:,.0f}/s"
                    if args.end_to_end
                    else ""
                )
            )
            for phase in phases:
                checks.append((phase, r, created[f"{phase}.{r}"]))

        note("reading every topic back (exactly-once check) ...")
        verified: list[dict[str, Any]] = []
        for phase, r, topic in checks:
            result = await check_topic(bootstrap, topic, written)
            verified.append({"phase": phase, "repeat": r, **result})

    return {
        "config": {
            "events": n,
            "batch_size": args.batch_size,
            "repeat": repeats,
            "writers": args.writers,
            "transaction_size": TX_SIZE,
            "partitions": PARTITIONS,
            "event_type": "AccountImported",
            "avg_record_bytes": statistics.mean(sizes),
            "avg_value_bytes": statistics.mean(len(rec.value) for _, rec in events),
            "headers_per_record": len(events[0][1].headers),
        },
        "environment": {
            "kafka_bootstrap": bootstrap,
            "postgres_version": pg_version,
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "aiokafka": version("aiokafka"),
            "asyncpg": version("asyncpg"),
        },
        "runs": runs,
        "summary": summarise(runs),
        "checks": verified,
        "ok": all(c["ok"] for c in verified),
    }


def summarise(runs: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Median, min and max over the repeats of every measured figure."""
    figures: dict[str, list[float]] = {}
    for run in runs:
        for phase, value in run.items():
            if isinstance(value, dict):
                for name, number in value.items():
                    figures.setdefault(f"{phase}.{name}", []).append(number)
            elif phase != "repeat":
                figures.setdefault(phase, []).append(value)
    return {
        name: {"median": statistics.median(xs), "min": min(xs), "max": max(xs)}
        for name, xs in figures.items()
    }


# --------------------------------------------------------------------------- output


def render(result: dict[str, Any]) -> str:
    cfg, env, s = result["config"], result["environment"], result["summary"]
    lines = [
        "Frontdesk outbox relay benchmark",
        f"  {cfg['events']:,} AccountImported events per phase, "
        f"record ~{cfg['avg_record_bytes']:.0f} B (value {cfg['avg_value_bytes']:.0f} B, "
        f"{cfg['headers_per_record']} headers), topics of {cfg['partitions']} partitions",
        f"  relay batch_size {cfg['batch_size']}; outbox written by {cfg['writers']} writers, "
        f"{cfg['transaction_size']} events per transaction; {cfg['repeat']} repeats",
        f"  Kafka {env['kafka_bootstrap']}, PostgreSQL {env['postgres_version']}, "
        f"{env['cpus']} CPUs, Python {env['python']}, aiokafka {env['aiokafka']}, "
        f"asyncpg {env['asyncpg']}",
        "",
        f"{'':38}{'median':>10}{'min':>10}{'max':>10}   {'median s':>8}",
    ]

    def row(label: str, key: str, unit: str = "/s", seconds: str | None = None) -> None:
        if key not in s:
            return
        fig = s[key]
        fmt = "{:>10,.0f}" if unit == "/s" else "{:>10.3f}"
        secs = f"   {s[seconds]['median']:>8.3f}" if seconds and seconds in s else ""
        lines.append(
            f"{label:<38}" + "".join(fmt.format(fig[k]) for k in ("median", "min", "max")) + secs
        )

    row("raw publish (events/s)", "raw.events_per_s", seconds="raw.seconds")
    row("relay draining backlog (events/s)", "relay.events_per_s", seconds="relay.seconds")
    row("relay / raw", "relay_over_raw", unit="x")
    row("end to end (events/s)", "end_to_end.events_per_s", seconds="end_to_end.seconds")
    row("  writers alone, while relaying (ev/s)", "end_to_end.writers_events_per_s")
    row("  relay lag after last commit (s)", "end_to_end.tail_seconds", unit="s")
    row("outbox fill, untimed phase (events/s)", "fill.events_per_s", seconds="fill.seconds")

    lines += ["", "exactly-once check (every record read back, ce_id headers vs ids written):"]
    for phase, label in (("raw", "raw publish"), ("relay", "relay drain"), ("e2e", "end to end")):
        mine = [c for c in result["checks"] if c["phase"] == phase]
        if not mine:
            continue
        good = sum(c["ok"] for c in mine)
        worst = max(mine, key=lambda c: (not c["ok"], c["missing"] + c["duplicates"]))
        lines.append(
            f"  {label:<12} {good}/{len(mine)} topics OK; "
            + ("worst: " if good < len(mine) else "each: ")
            + f"{worst['on_topic']:,} on topic, {worst['read']:,} read, "
            f"{worst['distinct_ce_ids']:,} distinct ce_id of {worst['written']:,} written, "
            f"{worst['duplicates']} duplicates, {worst['missing']} missing, "
            f"{worst['unexpected']} unexpected"
        )
    lines.append(
        "result: OK, every record exactly once"
        if result["ok"]
        else "result: FAILED, records lost or duplicated; the figures above are not valid"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    async def guarded() -> dict[str, Any]:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGTERM, task.cancel)  # clean up on SIGTERM too
        return await bench(args)

    try:
        result = asyncio.run(guarded())
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except TimeoutError:
        print("error: a phase took too long (see the warnings above)", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, asyncio.CancelledError):
        print(
            "interrupted; this run's topics and databases were removed "
            "(unless a warning above names some left behind)",
            file=sys.stderr,
        )
        return 130
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
