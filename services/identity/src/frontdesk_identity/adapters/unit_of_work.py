"""One transaction over identity's database: repositories plus the outbox, together."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import asyncpg

from frontdesk_contracts import Envelope
from frontdesk_kit import Outbox

from .accounts import AccountRepository
from .records import AuditRepository, DeliveryRepository, RateRepository, StudioRepository
from .tokens import SessionRepository, TokenRepository


class Transaction:
    """The repositories of one open transaction; `publish` queues an event in it."""

    def __init__(self, conn: asyncpg.Connection, outbox: Outbox) -> None:
        self.conn = conn
        self._outbox = outbox
        self.accounts = AccountRepository(conn)
        self.tokens = TokenRepository(conn)
        self.sessions = SessionRepository(conn)
        self.rates = RateRepository(conn)
        self.audit = AuditRepository(conn)
        self.studios = StudioRepository(conn)
        self.deliveries = DeliveryRepository(conn)
        self.published: list[Envelope[Any]] = []

    async def publish(self, event: Envelope[Any]) -> None:
        """Queue `event` in the outbox: it goes out if, and only if, this commits."""
        await self._outbox.add_event(self.conn, event)
        self.published.append(event)


class Database:
    """Opens transactions on identity's pool."""

    def __init__(self, pool: asyncpg.Pool, outbox: Outbox) -> None:
        self.pool = pool
        self.outbox = outbox

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """A transaction that commits when the block ends normally, else rolls back."""
        async with self.pool.acquire() as conn, conn.transaction():
            yield Transaction(conn, self.outbox)

    def on(self, conn: asyncpg.Connection) -> Transaction:
        """The repositories over a transaction someone else opened (HandledEvents.once)."""
        return Transaction(conn, self.outbox)
