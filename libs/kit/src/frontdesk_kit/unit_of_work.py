"""The PostgreSQL unit of work every service uses: one connection, one transaction, the
service's repositories on it and the outbox writing into the same transaction.

A service subclasses `PgUnitOfWork` to put its repositories on the connection and
`PgUnitsOfWork` to say which unit of work it opens (`open`); its service layer sees
them through its own `UnitOfWork` Protocol, which its in-memory fake implements too.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Generic, TypeVar
from uuid import UUID

import asyncpg

from frontdesk_contracts import Envelope

from .inbox import HandledEvents
from .outbox import Outbox


class PgUnitOfWork:
    """One open transaction; `publish` queues an event in it."""

    def __init__(self, conn: asyncpg.Connection, outbox: Outbox) -> None:
        self.conn = conn
        self._outbox = outbox

    async def publish(self, event: Envelope[Any]) -> None:
        """Queue `event` in the outbox: it goes out if, and only if, this commits."""
        await self._outbox.add_event(self.conn, event)


U = TypeVar("U", bound=PgUnitOfWork)


class PgUnitsOfWork(Generic[U]):
    """Units of work on a service's pool; `once` records a consumed event as handled in
    the same transaction as its effect."""

    def __init__(self, pool: asyncpg.Pool, outbox: Outbox, handled: HandledEvents) -> None:
        self.pool = pool
        self._outbox = outbox
        self._handled = handled

    def open(self, conn: asyncpg.Connection, outbox: Outbox) -> U:
        """The service's unit of work on `conn` (a subclass says which)."""
        raise NotImplementedError

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[U]:
        """A transaction that commits when the block ends normally, else rolls back."""
        async with self.pool.acquire() as conn, conn.transaction():
            yield self.open(conn, self._outbox)

    async def once(self, event_id: UUID, effect: Callable[[U], Awaitable[None]]) -> bool:
        """Run `effect` unless this event was handled (the ledger row commits with it)."""

        async def on_conn(conn: asyncpg.Connection) -> None:
            await effect(self.open(conn, self._outbox))

        return await self._handled.once(event_id, on_conn)
