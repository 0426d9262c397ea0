"""The PostgreSQL unit of work: one connection, one transaction, the repositories on it
and the kit's outbox writing into the same transaction."""

from __future__ import annotations

import asyncpg

from frontdesk_kit import Outbox
from frontdesk_kit import unit_of_work as kit

from .repository import PgMessageLog, PgSuppressions
from .resends import PgResendLog


class PgUnitOfWork(kit.PgUnitOfWork):
    """The message log, suppressions, resends and the outbox on one connection."""

    def __init__(self, conn: asyncpg.Connection, outbox: Outbox) -> None:
        super().__init__(conn, outbox)
        self.messages = PgMessageLog(conn)
        self.suppressions = PgSuppressions(conn)
        self.resends = PgResendLog(conn)


class PgUnitsOfWork(kit.PgUnitsOfWork[PgUnitOfWork]):
    """Units of work on notifications' pool (the kit's, opening its repositories)."""

    def open(self, conn: asyncpg.Connection, outbox: Outbox) -> PgUnitOfWork:
        return PgUnitOfWork(conn, outbox)
