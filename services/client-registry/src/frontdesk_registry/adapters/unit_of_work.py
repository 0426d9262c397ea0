"""The PostgreSQL unit of work: one connection, one transaction, the repository on it and
the kit's outbox writing into the same transaction."""

from __future__ import annotations

import asyncpg

from frontdesk_kit import Outbox
from frontdesk_kit import unit_of_work as kit
from frontdesk_registry.adapters.repository import RegistryRepository


class PgUnitOfWork(kit.PgUnitOfWork):
    """The registry's repository and the outbox on one connection in a transaction."""

    def __init__(self, conn: asyncpg.Connection, outbox: Outbox) -> None:
        super().__init__(conn, outbox)
        self.store = RegistryRepository(conn)


class PgUnitsOfWork(kit.PgUnitsOfWork[PgUnitOfWork]):
    """Units of work on the registry's pool (the kit's, opening its repository)."""

    def open(self, conn: asyncpg.Connection, outbox: Outbox) -> PgUnitOfWork:
        return PgUnitOfWork(conn, outbox)
