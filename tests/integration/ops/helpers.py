"""Helpers for the ops tests: what they share, waiting on a consumer group, table snapshots."""

from __future__ import annotations

from typing import Any

import asyncpg

from frontdesk_contracts import topics_read_by
from frontdesk_kit import ConsumerLag
from frontdesk_testing import eventually

OPS_TOKEN = "ops-test-token-0123456789abcdefghijklmnop"
STUDIO = "studio-1"  # the studio the admins of these tests administer


async def caught_up(bootstrap: str, prefix: str, group: str, timeout: float = 30.0) -> None:
    """Wait until the (prefixed) group committed everything on the topics it reads."""
    topics = [prefix + t.name for t in topics_read_by(group)]
    lag = ConsumerLag(bootstrap, prefix + group, topics)
    try:

        async def nothing_behind() -> None:
            behind = {tp: n for tp, n in (await lag.read()).items() if n}
            assert not behind, f"{group} still behind: {behind}"

        await eventually(nothing_behind, timeout=timeout)
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
