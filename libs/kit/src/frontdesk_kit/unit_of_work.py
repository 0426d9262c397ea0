"""The PostgreSQL unit of work every service uses: one connection, one transaction, the
service's repositories on it and the outbox writing into the same transaction.

`once_each` does the same for a consumed batch in one transaction.

A service subclasses `PgUnitOfWork` to put its repositories on the connection and
`PgUnitsOfWork` to say which unit of work it opens (`open`); its service layer sees
them through its own `UnitOfWork` Protocol, which its in-memory fake implements too.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
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

    async def publish_all(self, events: Sequence[Envelope[Any]]) -> None:
        """Queue many events in one statement, in order (a batch's effects)."""
        await self._outbox.add_events(self.conn, events)


U = TypeVar("U", bound=PgUnitOfWork)
E = TypeVar("E", bound=Envelope[Any])


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

    async def once_each(
        self, events: Sequence[E], effect: Callable[[U, list[E]], Awaitable[None]]
    ) -> list[E]:
        """One transaction for a batch: mark every event handled and run `effect` on those
        not handled before (in order, each id once); they are returned. Their ledger rows
        commit with the effect or roll back with it, as with `once`."""
        async with self.pool.acquire() as conn, conn.transaction():
            fresh = await self._handled.claim(conn, [event.id for event in events])
            todo = first_of_each(events, fresh)
            if todo:
                await effect(self.open(conn, self._outbox), todo)
        return todo


def first_of_each(events: Sequence[E], wanted: set[UUID]) -> list[E]:
    """`events` whose id is in `wanted`, in order, each id's first occurrence only (a
    batch may hold one record twice: a relay re-published it after a crash)."""
    left, todo = set(wanted), []
    for event in events:
        if event.id in left:
            left.discard(event.id)
            todo.append(event)
    return todo
