"""The suites: each runs its scenarios over the repeats on fresh resources and returns the
whole result (configuration, environment, rows, checks) for `report` to render."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import statistics
import uuid
from importlib.metadata import version
from typing import Any

from aiokafka.errors import KafkaError

from frontdesk_kit import idempotent_producer

from . import report
from .checks import check_topic
from .fixtures import (
    PARTITIONS,
    BenchError,
    Databases,
    Topics,
    deadline,
    leaders_ready,
    load_endpoints,
    note,
    postgres_version,
    private_devmail,
)
from .scenarios import Row, relay


async def relay_suite(args: argparse.Namespace) -> dict[str, Any]:
    """Raw publish, relay drain and (unless turned off) end to end, `args.repeat` times."""
    endpoints = load_endpoints()
    bootstrap, admin_dsn = endpoints["kafka_bootstrap"], endpoints["postgres_dsn"]
    run_id = uuid.uuid4().hex[:8]
    n, repeats = args.events, args.repeat
    phases = ["raw", "relay"] + (["e2e"] if args.end_to_end else [])
    limit = 60 + n / 100  # seconds per phase

    note(f"building {n} AccountImported events ...")
    events = relay.build_events(n)
    written = {str(event_id) for event_id, _ in events}
    sizes = [relay.record_size(rec) for _, rec in events]
    pg_version = await postgres_version(admin_dsn)

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
        await relay.raw_publish(producer, relay.on_topic(events[:100], created["warmup"]))

        for r in range(1, repeats + 1):
            rows: list[Row] = []
            async with deadline("raw publish", limit):
                rows.append(
                    await relay.raw_publish(producer, relay.on_topic(events, created[f"raw.{r}"]))
                )

            dsn = await databases.create(f"relay_{r}")
            mine = relay.on_topic(events, created[f"relay.{r}"])
            async with deadline("relay drain", limit):
                rows.append(await relay.fill_outbox(dsn, mine, args.writers))
                rows.append(await relay.relay_drain(dsn, producer, n, args.batch_size))
            await databases.drop(dsn)

            if args.end_to_end:
                dsn = await databases.create(f"e2e_{r}")
                mine = relay.on_topic(events, created[f"e2e.{r}"])
                async with deadline("end to end", limit):
                    rows.append(
                        await relay.end_to_end(dsn, producer, mine, args.batch_size, args.writers)
                    )
                await databases.drop(dsn)
            run = report.relay_repeat(r, rows)
            runs.append(run)
            note(report.relay_progress(run, repeats))
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
            "transaction_size": relay.TX_SIZE,
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
        "summary": report.summarise(runs),
        "checks": verified,
        "ok": all(c["ok"] for c in verified),
    }


async def emails_suite(args: argparse.Namespace) -> dict[str, Any]:
    """Raw aiosmtplib, then the sender loop, against one SMTP server (a private devmail
    unless `args.smtp` names one)."""
    # Imported here, not above: it loads the notifications service's code, which the
    # relay suite has no need of (and should not break with).
    from .scenarios import emails

    databases = Databases(load_endpoints()["postgres_dsn"], uuid.uuid4().hex[:8])
    with contextlib.ExitStack() as servers:
        if args.smtp is None:
            host, port = servers.enter_context(private_devmail())
        else:
            host, port_text = args.smtp.rsplit(":", 1)
            port = int(port_text)
        try:
            raw = await emails.raw_smtp(host, port, args.messages, args.concurrency)
            loop = await emails.sender_loop(databases, host, port, args.messages, args.concurrency)
        finally:
            await databases.drop_all()
    return report.emails_result(f"{host}:{port}", args.messages, args.concurrency, raw, loop)
