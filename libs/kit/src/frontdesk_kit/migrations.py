"""Numbered SQL migrations, applied once each, under an advisory lock.

A component (the kit, a service) keeps its migrations as `NNNN_name.sql` files in
one folder. Every applied file is recorded with its checksum; editing a file that
was already applied is refused rather than silently ignored.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

KIT_MIGRATIONS = Path(__file__).parent / "sql"
_LOCK_KEY = 0x46524F4E5444  # "FRONTD": one lock id for every migration run in a database
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

_CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    component  text        NOT NULL,
    version    integer     NOT NULL,
    name       text        NOT NULL,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (component, version)
)
"""
_APPLIED = "SELECT version, checksum FROM schema_migrations WHERE component = $1"
_RECORD = (
    "INSERT INTO schema_migrations (component, version, name, checksum) VALUES ($1, $2, $3, $4)"
)


class MigrationError(RuntimeError):
    """A migration folder is malformed or disagrees with what was applied."""


@dataclass(frozen=True)
class Migration:
    component: str
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load(component: str, folder: Path) -> list[Migration]:
    """Read a component's migrations, refusing gaps, duplicates and stray files."""
    if not folder.is_dir():
        raise MigrationError(f"{component}: no migrations folder at {folder}")
    found: list[Migration] = []
    for path in sorted(folder.glob("*.sql")):
        match = _FILE.match(path.name)
        if match is None:
            raise MigrationError(f"{path.name}: migration files are named NNNN_name.sql")
        found.append(Migration(component, int(match[1]), match[2], path.read_text()))
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise MigrationError(f"{component}: migrations must be numbered 1..n, found {versions}")
    return found


async def migrate(conn: asyncpg.Connection, components: list[tuple[str, Path]]) -> list[str]:
    """Apply every pending migration of `components` in order; return what was applied."""
    applied: list[str] = []
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
    try:
        await conn.execute(_CREATE_LEDGER)
        for component, folder in components:
            applied += await _apply_component(conn, component, load(component, folder))
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
    return applied


async def _apply_component(
    conn: asyncpg.Connection, component: str, migrations: list[Migration]
) -> list[str]:
    done = {r["version"]: r["checksum"] for r in await conn.fetch(_APPLIED, component)}
    applied = []
    for m in migrations:
        if m.version in done:
            if done[m.version] != m.checksum:
                raise MigrationError(
                    f"{component} migration {m.version:04d}_{m.name} was edited after it was "
                    "applied; add a new migration instead"
                )
            continue
        async with conn.transaction():
            await conn.execute(m.sql)
            await conn.execute(_RECORD, component, m.version, m.name, m.checksum)
        applied.append(f"{component}/{m.version:04d}_{m.name}")
    return applied


async def pending(conn: asyncpg.Connection, components: list[tuple[str, Path]]) -> list[str]:
    """Migrations not yet applied (what readiness reports); empty when up to date."""
    exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    missing = []
    for component, folder in components:
        done = {r["version"] for r in await conn.fetch(_APPLIED, component)} if exists else set()
        missing += [
            f"{component}/{m.version:04d}_{m.name}"
            for m in load(component, folder)
            if m.version not in done
        ]
    return missing
