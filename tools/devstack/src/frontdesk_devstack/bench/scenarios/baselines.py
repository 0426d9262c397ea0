"""The raw baselines of the stack suite, measured in the same run as the scenarios:
what aiokafka, asyncpg, aiosmtplib and argon2-cffi manage on this machine with no
Frontdesk code in the way.

- `kafka_produce` / `kafka_consume`: the import's records to and from a throwaway topic;
- `pg_copy`: the same clients as rows, `copy_records_to_table` into a scratch table;
- `pg_transactions`: 2-row INSERT transactions on 4 connections;
- `smtp_send`: ~4 KB messages over 4 connections to the stack's own SMTP server;
- `argon2_verify`: `PasswordHasher.verify` at the stack's parameters, one process a core.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from argon2 import Parameters, PasswordHasher

from frontdesk_contracts import KafkaRecord

from ..fixtures import PARTITIONS, deadline, stop_consumer
from ..stackio import produce

SCRATCH = """CREATE UNLOGGED TABLE IF NOT EXISTS {name} (
    id text PRIMARY KEY, origin text NOT NULL, studio_id text, external_client_id text,
    given_name text NOT NULL, family_name text, emails text[], created_at timestamptz)"""
COLUMNS = ["id", "origin", "studio_id", "external_client_id", "given_name", "family_name",
           "emails", "created_at"]  # fmt: skip
Rows = list[tuple[Any, ...]]


async def kafka_produce(producer: AIOKafkaProducer, records: Sequence[KafkaRecord]) -> float:
    """Records/s of sending `records` and awaiting every acknowledgement."""
    return len(records) / await produce(producer, records)


async def kafka_consume(bootstrap: str, topic: str, count: int) -> float:
    """Records/s of reading `count` records back from the start of `topic`."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False
    )
    await consumer.start()
    try:
        parts = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        read = 0
        started = time.perf_counter()
        async with deadline(f"reading {topic}", 60 + count / 1000):
            while read < count:
                for batch in (await consumer.getmany(timeout_ms=1000)).values():
                    read += len(batch)
        return count / (time.perf_counter() - started)
    finally:
        await stop_consumer(consumer)


def client_rows(clients: Sequence[Any]) -> Rows:
    """The rows an import of `clients` (ClientImported payloads) amounts to."""
    now = datetime.now(UTC)
    return [
        (str(uuid.uuid4()), "import", c.studio_id, c.external_client_id, c.given_name,
         c.family_name, list(c.emails), now)
        for c in clients
    ]  # fmt: skip


async def pg_copy(dsn: str, rows: Rows) -> float:
    """Rows/s of `copy_records_to_table` of `rows` into a fresh scratch table."""
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        name = f"scratch_{uuid.uuid4().hex[:8]}"
        await conn.execute(SCRATCH.format(name=name))
        started = time.perf_counter()
        await conn.copy_records_to_table(name, records=rows, columns=COLUMNS)
        return len(rows) / (time.perf_counter() - started)
    finally:
        await conn.close()


async def pg_transactions(dsn: str, seconds: float, connections: int = 4) -> float:
    """Transactions/s of 2-row INSERTs, `connections` writers for `seconds`."""
    name = f"scratch_{uuid.uuid4().hex[:8]}"
    async with asyncpg.create_pool(dsn, min_size=connections, max_size=connections) as pool:
        await pool.execute(SCRATCH.format(name=name))
        insert = f"INSERT INTO {name} (id, origin, given_name) VALUES ($1, 'import', 'Ada')"  # noqa: S608 - our own table name

        async def writer() -> int:
            done, stop = 0, time.perf_counter() + seconds
            async with pool.acquire() as conn:
                while time.perf_counter() < stop:
                    async with conn.transaction():
                        await conn.execute(insert, uuid.uuid4().hex)
                        await conn.execute(insert, uuid.uuid4().hex)
                    done += 1
            return done

        started = time.perf_counter()
        total = sum(await asyncio.gather(*(writer() for _ in range(connections))))
        return total / (time.perf_counter() - started)


def smtp_message(recipient: str, size: int = 4096) -> EmailMessage:
    """A plain message of about `size` bytes to `recipient`."""
    message = EmailMessage()
    message["From"] = "bench@frontdesk.test"
    message["To"] = recipient
    message["Subject"] = "Frontdesk bench, raw SMTP"
    line = "The quick brown fox jumps over the lazy dog. " * 2 + "\n"
    message.set_content(line * (size // len(line)))
    return message


async def smtp_send(host: str, port: int, seconds: float, connections: int = 4) -> float:
    """Messages/s of aiosmtplib over `connections` connections for `seconds`."""

    async def worker(number: int) -> int:
        sent, stop = 0, time.perf_counter() + seconds
        async with aiosmtplib.SMTP(hostname=host, port=port, start_tls=False) as smtp:
            while time.perf_counter() < stop:
                recipient = f"raw-{number}-{uuid.uuid4().hex[:12]}@bench.test"
                await smtp.send_message(smtp_message(recipient))
                sent += 1
        return sent

    started = time.perf_counter()
    total = sum(await asyncio.gather(*(worker(n) for n in range(connections))))
    return total / (time.perf_counter() - started)


def _verify_for(stored: str, password: str, seconds: float) -> float:
    """In a worker process: verifies/s of `stored` against `password` for `seconds`."""
    hasher, done = PasswordHasher(), 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        hasher.verify(stored, password)
        done += 1
    return done / (time.perf_counter() - started)


async def argon2_verify(params: Parameters, seconds: float, processes: int) -> float:
    """Verifies/s of a hash made at `params`, in `processes` processes at once."""
    password = "violet harbour lantern"  # noqa: S105 - the bench's own throwaway hash
    stored = PasswordHasher.from_parameters(params).hash(password)
    loop = asyncio.get_running_loop()
    context = multiprocessing.get_context("spawn")  # no fork of a running event loop
    with ProcessPoolExecutor(processes, mp_context=context) as pool:
        rates = [
            loop.run_in_executor(pool, _verify_for, stored, password, seconds)
            for _ in range(processes)
        ]
        return sum(await asyncio.gather(*rates))
