"""The PostgreSQL unit of work: one connection, one transaction, identity's repositories
on it and the kit's outbox writing into the same transaction."""

from __future__ import annotations

import asyncpg

from frontdesk_kit import Outbox
from frontdesk_kit import unit_of_work as kit

from .accounts import AccountRepository
from .deferred import DeferredRequestRepository
from .records import AuditRepository, DeliveryRepository, RateRepository, StudioRepository
from .tokens import SessionRepository, TokenRepository


class PgUnitOfWork(kit.PgUnitOfWork):
    """identity's repositories on one open transaction; `publish` queues an event in it."""

    def __init__(self, conn: asyncpg.Connection, outbox: Outbox) -> None:
        super().__init__(conn, outbox)
        self.accounts = AccountRepository(conn)
        self.tokens = TokenRepository(conn)
        self.sessions = SessionRepository(conn)
        self.rates = RateRepository(conn)
        self.audit = AuditRepository(conn)
        self.studios = StudioRepository(conn)
        self.deliveries = DeliveryRepository(conn)
        self.deferred = DeferredRequestRepository(conn)


class PgUnitsOfWork(kit.PgUnitsOfWork[PgUnitOfWork]):
    """Units of work on identity's pool (the kit's, opening identity's repositories)."""

    def open(self, conn: asyncpg.Connection, outbox: Outbox) -> PgUnitOfWork:
        return PgUnitOfWork(conn, outbox)
