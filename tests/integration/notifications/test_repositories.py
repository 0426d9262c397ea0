"""The repository contract on PostgreSQL: the same checks the unit tests run on the fakes
(services/notifications/tests/test_repositories.py), so the fakes the use-case tests
rely on behave like the database."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import asyncpg
import pytest

from frontdesk_contracts import GROUP_NOTIFICATIONS
from frontdesk_kit import KIT_MIGRATIONS, HandledEvents, Outbox, migrate
from frontdesk_notifications.adapters.unit_of_work import PgUnitsOfWork
from frontdesk_notifications.bootstrap import MIGRATIONS
from frontdesk_testing.notifications.repository_contract import RepositoryContract

pytestmark = pytest.mark.integration


class TestPostgresUnitsOfWork(RepositoryContract):
    """Every check of the contract, on a fresh, migrated database."""

    pool: asyncpg.Pool

    @pytest.fixture
    async def units(self, database: str) -> AsyncIterator[PgUnitsOfWork]:
        async with asyncpg.create_pool(database, min_size=1, max_size=4) as pool:
            async with pool.acquire() as conn:
                await migrate(conn, [("kit", KIT_MIGRATIONS), *MIGRATIONS])
            self.pool = pool
            yield PgUnitsOfWork(pool, Outbox(), HandledEvents(pool, GROUP_NOTIFICATIONS))

    async def published_types(self, units: PgUnitsOfWork) -> list[str]:
        rows = await self.pool.fetch("SELECT value FROM outbox ORDER BY id")
        return [json.loads(row["value"])["type"] for row in rows]
