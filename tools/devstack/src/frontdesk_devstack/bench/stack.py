"""The `stack` suite (`make bench`): the scenarios of issue #13 against the running
stack, with the raw baselines measured in the same run.

The raw baselines come first (aiokafka, asyncpg, aiosmtplib; argon2 with the logins),
then each scenario chosen with `--only`: import, resets, replay, login. A scenario that
fails is recorded with its reason and the others still run; the run's topics and
databases are removed at the end, failure or not.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import platform
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import httpx
from aiokafka.errors import KafkaError

from frontdesk_kit import idempotent_producer

from .fixtures import BenchError, Databases, Topics, leaders_ready, note, postgres_version
from .scenarios import baselines as raw
from .scenarios.imports import Imports, LoginPool, build_imports, run_import
from .scenarios.logins import run_logins
from .scenarios.replay import run_replay
from .scenarios.resets import Storm, reset_storm
from .stackio import Mailbox, Stack, watching

# What a scenario's failure may be; anything else is a bug of the bench and stops it.
FAILURES = (BenchError, TimeoutError, OSError, httpx.HTTPError, KafkaError, asyncpg.PostgresError)


@dataclasses.dataclass
class Run:
    """One run of the suite: the stack, its options, and what it created."""

    stack: Stack
    args: argparse.Namespace
    tag: str
    topics: Topics
    databases: Databases
    folder: Path
    producer: Any = None
    mailbox: Mailbox | None = None
    imports: Imports | None = None
    baselines: dict[str, float] = dataclasses.field(default_factory=dict)

    @property
    def timeout(self) -> float:
        """How long one phase may take before it counts as failed."""
        return float(self.args.timeout)


async def measure_baselines(run: Run) -> None:
    """aiokafka produce and consume, asyncpg COPY and transactions, aiosmtplib."""
    assert run.imports is not None
    b, args = run.baselines, run.args
    [topic] = await run.topics.create(["raw"])
    await leaders_ready(run.stack.bootstrap, [topic])
    records = [dataclasses.replace(r, topic=topic) for r in run.imports.records]
    b["kafka_produce_per_s"] = await raw.kafka_produce(run.producer, records)
    b["kafka_consume_per_s"] = await raw.kafka_consume(run.stack.bootstrap, topic, len(records))
    dsn = await run.databases.create("raw", migrations=())
    b["pg_copy_per_s"] = await raw.pg_copy(dsn, raw.client_rows(run.imports.payloads))
    b["consume_copy_per_s"] = 1 / (1 / b["kafka_consume_per_s"] + 1 / b["pg_copy_per_s"])
    b["pg_tx_per_s"] = await raw.pg_transactions(dsn, args.baseline_seconds)
    smtp = run.stack.smtp_host, run.stack.smtp_port
    b["smtp_per_s"] = await raw.smtp_send(*smtp, args.baseline_seconds)
    note("baselines: " + ", ".join(f"{k} {v:,.0f}" for k, v in b.items()))


async def import_scenario(run: Run) -> dict[str, Any]:
    """N ClientImported through identity and the registry."""
    assert run.imports is not None
    return await run_import(run.stack, run.producer, run.imports, run.timeout)


async def resets_scenario(run: Run) -> dict[str, Any]:
    """The reset storm, on accounts seeded for it."""
    assert run.mailbox is not None
    pool = LoginPool(run.stack, run.producer, f"{run.tag}r", run.args.import_studios)
    # aiohttp, not httpx, fires the storm: httpcore's pool looks at every connection for
    # every request it places, so with hundreds of connections the generator itself took
    # a whole core and the figures measured it rather than Frontdesk.
    connector = aiohttp.TCPConnector(limit=run.args.reset_connections)
    timeout = aiohttp.ClientTimeout(total=None, sock_read=60)  # waiting for a connection: fine
    async with aiohttp.ClientSession(
        base_url=run.stack.identity_url, connector=connector, timeout=timeout
    ) as http:
        return await reset_storm(Storm(http, run.mailbox, pool, run.args), run.args, note)


async def replay_scenario(run: Run) -> dict[str, Any]:
    """notifications' group replayed from the earliest offsets."""
    return await run_replay(run.stack, run.producer, run, run.args.replay_events)


async def login_scenario(run: Run) -> dict[str, Any]:
    """Logins at each concurrency, beside raw argon2."""
    return await run_logins(run.stack, run.tag, run.args, run.baselines)


RUNNERS: dict[str, Callable[[Run], Awaitable[dict[str, Any]]]] = {
    "import": import_scenario,
    "resets": resets_scenario,
    "replay": replay_scenario,
    "login": login_scenario,
}


def environment(stack: Stack, pg_version: str) -> dict[str, Any]:
    """Where the run ran."""
    return {
        "kafka": stack.bootstrap,
        "postgres": pg_version,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }


async def stack_suite(args: argparse.Namespace) -> dict[str, Any]:
    """Every chosen scenario, after the baselines; the whole result."""
    stack = Stack.load()
    run_id = uuid.uuid4().hex[:8]
    started_at = datetime.now(UTC)
    pg_version = await postgres_version(stack.admin_dsn)
    result: dict[str, Any] = {
        "suite": "stack",
        "started_at": started_at.isoformat(timespec="seconds"),
        "config": {k: v for k, v in vars(args).items() if k not in ("json", "out", "suite")},
        "environment": environment(stack, pg_version),
        "scenarios": {},
        "errors": {},
    }
    run = Run(
        stack,
        args,
        run_id,
        Topics(stack.bootstrap, run_id),
        Databases(stack.admin_dsn, run_id),
        args.out,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    async with contextlib.AsyncExitStack() as cleanup:
        cleanup.push_async_callback(run.topics.delete_all)
        cleanup.push_async_callback(run.databases.drop_all)
        run.producer = idempotent_producer(stack.bootstrap, client_id=f"frontdesk-bench-{run_id}")
        await run.producer.start()
        cleanup.push_async_callback(run.producer.stop)
        run.mailbox = await cleanup.enter_async_context(watching(stack.inbox_url))
        note(f"building {args.imports:,} ClientImported records ...")
        run.imports = build_imports(f"{run_id}i", args.imports, args.import_studios)
        await measure_baselines(run)
        for name in args.only:
            note(f"{name} ...")
            began = time.perf_counter()
            try:
                result["scenarios"][name] = await RUNNERS[name](run)
            except FAILURES as error:
                result["errors"][name] = str(error) or type(error).__name__
                note(f"{name} failed: {result['errors'][name]}")
            note(f"{name} took {time.perf_counter() - began:.0f} s")
    result["baselines"] = run.baselines
    result["ok"] = not result["errors"]
    return result
