"""Helpers for the ops tests: waiting on a database or a consumer group, table snapshots."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from frontdesk_contracts import topics_read_by
from frontdesk_kit import ConsumerLag


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 20.0) -> Any:
    """The first truthy result of `check`, polling; fails after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await check()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {check}")
        await asyncio.sleep(0.2)


async def caught_up(bootstrap: str, prefix: str, group: str, timeout: float = 30.0) -> None:
    """Wait until the (prefixed) group committed everything on the topics it reads."""
    topics = [prefix + t.name for t in topics_read_by(group)]
    lag = ConsumerLag(bootstrap, prefix + group, topics)
    try:

        async def zero() -> bool:
            return all(v == 0 for v in (await lag.read()).values())

        await eventually(zero, timeout)
    finally:
        await lag.close()


async def snapshot(dsn: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the database (small test databases only)."""
    conn = await asyncpg.connect(dsn)
    try:
        tables = [
            r["tablename"]
            for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname='public'")
        ]
        rows = {}
        for table in sorted(tables):
            # The names come from pg_tables, not from input.
            found = await conn.fetch(f'SELECT * FROM "{table}"')  # noqa: S608
            rows[table] = sorted(tuple(map(str, r.values())) for r in found)
        return rows
    finally:
        await conn.close()
