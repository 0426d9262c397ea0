"""The replay: notifications' consumer group re-reads every event from the earliest
offsets, and must send no email twice.

The stack's own notifications service is never stopped or rewound: a private one runs
instead, started as devstack starts the service (`python -m frontdesk_notifications`,
settings from the environment) with its own TOPIC_PREFIX (so its own topics and consumer
group), its own throwaway database and a private devmail.

- first pass: N PasswordChanged events (each asks for one notice email, no link) are
  produced to its identity topic; timed until the group's lag is 0 (every event handled)
  and until every email is sent;
- it is stopped, its group's offsets are committed back to the earliest ones, it starts
  again, and the replay is timed from its readiness until the lag is 0 again; the inbox
  and the database then show how many emails and messages the replay added (0 and 0).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata

from frontdesk_contracts import GROUP_NOTIFICATIONS, PasswordChanged, new_event, to_record
from frontdesk_contracts.catalogue import topics_read_by

from ...config import StackConfig
from ...services import NOTIFICATIONS
from ...topics import ensure_topics
from ..fixtures import BenchError, private_inbox, stop_consumer
from ..stackio import Stack, count, produce

POLL_SECONDS = 0.1
_SENT = "SELECT count(*) FROM outgoing_messages WHERE status = 'sent'"
_ROWS = "SELECT count(*) FROM outgoing_messages"


def events(tag: str, topic_prefix: str, count: int) -> list[Any]:
    """`count` PasswordChanged records, one account and address each, on the prefixed topic."""
    records = []
    for n in range(count):
        payload = PasswordChanged(
            account_id=f"acc-{tag}-{n}", email=f"rp.{tag}.{n}@bench.test", via="settings"
        )
        rec = to_record(new_event(payload))
        records.append(dataclasses.replace(rec, topic=topic_prefix + rec.topic))
    return records


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def service_env(
    stack: Stack, prefix: str, dsn: str, smtp: tuple[str, int], port: int
) -> dict[str, str]:
    """The environment devstack gives notifications, pointed at the run's own topics,
    database, mail server and port."""
    cfg = StackConfig.from_env()
    settings = {
        **NOTIFICATIONS.env(cfg, stack.keys_dir),
        "DATABASE_URL": dsn,
        "SMTP_HOST": smtp[0],
        "SMTP_PORT": str(smtp[1]),
        "KAFKA_BOOTSTRAP_SERVERS": stack.bootstrap,
        "HTTP_PORT": str(port),
        "TOPIC_PREFIX": prefix,
        "LOG_LEVEL": "WARNING",
    }
    return {NOTIFICATIONS.prefix + k: v for k, v in settings.items()}


@contextlib.contextmanager
def running(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A notifications process of the bench's own, stopped (SIGTERM) on exit."""
    with log.open("ab") as out:
        child = subprocess.Popen(
            [sys.executable, "-m", NOTIFICATIONS.package],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        yield child
    finally:
        child.terminate()
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(10)


async def until_ready(child: subprocess.Popen[bytes], port: int, log: Path) -> float:
    """Wait until its /readyz answers 200; the moment (perf_counter)."""
    give_up = time.monotonic() + 90
    async with httpx.AsyncClient(timeout=3) as http:
        while time.monotonic() < give_up:
            if child.poll() is not None:
                raise BenchError(f"the private notifications exited; see {log}")
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                    return time.perf_counter()
            await asyncio.sleep(0.1)
    raise BenchError(f"the private notifications was not ready within 90 s; see {log}")


class Lag:
    """A consumer group's lag on its topics: end offsets minus committed ones."""

    def __init__(self, bootstrap: str, group: str, partitions: list[TopicPartition]) -> None:
        self._admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        self._offsets = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
        self.group, self.partitions = group, partitions

    async def start(self) -> None:
        """Connect."""
        await self._admin.start()
        await self._offsets.start()

    async def close(self) -> None:
        """Disconnect."""
        await self._admin.close()
        await stop_consumer(self._offsets)

    async def behind(self) -> int:
        """How many records the group has still to handle."""
        end = await self._offsets.end_offsets(self.partitions)
        committed = await self._admin.list_consumer_group_offsets(
            self.group, partitions=self.partitions
        )
        done = {tp: max(0, meta.offset) for tp, meta in committed.items()}
        return sum(end[tp] - done.get(tp, 0) for tp in self.partitions)

    async def until_zero(self, timeout: float, what: str) -> float:
        """Poll until nothing is left to handle; the moment (perf_counter)."""
        give_up = time.monotonic() + timeout
        while (left := await self.behind()) > 0:
            if time.monotonic() > give_up:
                raise BenchError(f"{what}: {left} events still to handle after {timeout:.0f} s")
            await asyncio.sleep(POLL_SECONDS)
        return time.perf_counter()

    async def rewind(self, bootstrap: str) -> None:
        """Commit the group's offsets back to the earliest ones (the group is empty)."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=self.group, enable_auto_commit=False
        )
        await consumer.start()
        try:
            consumer.assign(self.partitions)
            first = await consumer.beginning_offsets(self.partitions)
            await consumer.commit({tp: OffsetAndMetadata(first[tp], "") for tp in self.partitions})
        finally:
            await stop_consumer(consumer)


@contextlib.asynccontextmanager
async def lag_of(bootstrap: str, prefix: str) -> AsyncIterator[Lag]:
    """The lag of the private notifications' group on every topic it reads."""
    partitions = [
        TopicPartition(prefix + topic.name, p)
        for topic in topics_read_by(GROUP_NOTIFICATIONS)
        for p in range(topic.default_partitions)
    ]
    lag = Lag(bootstrap, prefix + GROUP_NOTIFICATIONS, partitions)
    await lag.start()
    try:
        yield lag
    finally:
        await lag.close()


async def sent_counts(dsn: str, inbox_url: str) -> tuple[int, int, int]:
    """(messages sent per the database, messages queued in all, emails in the inbox)."""
    async with httpx.AsyncClient(base_url=inbox_url, timeout=30) as http:
        inbox = len((await http.get("/api/messages")).json())
    return await count(dsn, _SENT), await count(dsn, _ROWS), inbox


async def until_sent(dsn: str, expected: int, timeout: float) -> float:
    """Poll until `expected` messages are sent; the moment (perf_counter)."""
    give_up = time.monotonic() + timeout
    while (sent := await count(dsn, _SENT)) < expected:
        if time.monotonic() > give_up:
            raise BenchError(f"first pass: {sent} of {expected} emails sent after {timeout:.0f} s")
        await asyncio.sleep(0.5)
    return time.perf_counter()


async def first_pass(
    producer: AIOKafkaProducer, records: list[Any], lag: Lag, dsn: str, timeout: float
) -> dict[str, float]:
    """Produce every event to the running private service; time to handled and to sent."""
    started = time.perf_counter()
    await produce(producer, records)
    handled = await lag.until_zero(timeout, "first pass")
    sent = await until_sent(dsn, len(records), timeout)
    n = len(records)
    return {
        "first_pass_handled_per_s": n / (handled - started),
        "first_pass_sent_per_s": n / (sent - started),
        "first_pass_seconds": sent - started,
    }


async def replay(lag: Lag, ready: float, timeout: float, events: int) -> dict[str, float]:
    """From readiness to lag 0: events/s over what was left to handle at readiness."""
    left, counted = await lag.behind(), time.perf_counter()
    done = await lag.until_zero(timeout, "replay")
    per_s = left / (done - counted) if left else events / max(done - ready, 1e-6)
    return {"replay_seconds": done - ready, "replay_per_s": per_s, "left_at_ready": float(left)}


async def run_replay(stack: Stack, producer: AIOKafkaProducer, ctx: Any, n: int) -> dict[str, Any]:
    """The whole scenario on the run's own topics, database and devmail (`ctx`: the
    run's `Topics`, `Databases`, tag, folder and timeout)."""
    prefix = f"bench.{ctx.tag}.replay."
    ctx.topics.adopt(await ensure_topics(stack.bootstrap, prefix))  # prefixed names
    dsn = await ctx.databases.create("replay", migrations=())
    records = events(ctx.tag, prefix, n)
    log = ctx.folder / f"notifications-{ctx.tag}.log"
    with private_inbox() as (host, port, inbox_url):
        http_port = _free_port()
        env = service_env(stack, prefix, dsn, (host, port), http_port)
        async with lag_of(stack.bootstrap, prefix) as lag:
            with running(env, log) as child:
                await until_ready(child, http_port, log)
                figures = await first_pass(producer, records, lag, dsn, ctx.timeout)
            before = await sent_counts(dsn, inbox_url)
            await lag.rewind(stack.bootstrap)
            with running(env, log) as child:
                ready = await until_ready(child, http_port, log)
                figures |= await replay(lag, ready, ctx.timeout, n)
                await asyncio.sleep(2)  # anything the replay caused has time to show
                after = await sent_counts(dsn, inbox_url)
    figures |= {
        "events": n,
        "emails_during_replay": after[2] - before[2],
        "sent_during_replay": after[0] - before[0],
        "messages_queued_during_replay": after[1] - before[1],
        "emails_in_inbox": after[2],
    }
    return figures
