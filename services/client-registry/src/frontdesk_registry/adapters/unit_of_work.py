"""The PostgreSQL unit of work: one connection, one transaction, the repository on it and
the kit's outbox writing into the same transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

import asyncpg

from frontdesk_contracts import Envelope
from frontdesk_kit import HandledEvents, Outbox
from frontdesk_registry.adapters.repository import RegistryRepository
from frontdesk_registry.ports import Effect


class PgUnitOfWork:
    """The repository and the outbox on one connection in a transaction."""

    def __init__(self, conn: asyncpg.Connection, outbox: Outbox) -> None:
        self.store = RegistryRepository(conn)
        self._conn = conn
        self._outbox = outbox

    async def publish(self, event: Envelope[Any]) -> None:
        """Write `event` to the outbox in this transaction."""
        await self._outbox.add_event(self._conn, event)


class PgUnitsOfWork:
    """Units of work on a pool; `once` records the handled event in the same transaction."""

    def __init__(self, pool: asyncpg.Pool, outbox: Outbox, handled: HandledEvents) -> None:
        self._pool = pool
        self._outbox = outbox
        self._handled = handled

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgUnitOfWork]:
        """One transaction; commits when the block ends, rolls back if it raises."""
        async with self._pool.acquire() as conn, conn.transaction():
            yield PgUnitOfWork(conn, self._outbox)

    async def once(self, event_id: UUID, effect: Effect) -> bool:
        """Run `effect` unless this event was handled (the ledger row commits with it)."""

        async def on_conn(conn: asyncpg.Connection) -> None:
            await effect(PgUnitOfWork(conn, self._outbox))

        return await self._handled.once(event_id, on_conn)
