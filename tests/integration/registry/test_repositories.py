"""The repository contract on PostgreSQL: the same checks the unit tests run on the
in-memory store (services/client-registry/tests/test_repositories.py), so the fake the
use-case tests rely on behaves like the database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from frontdesk_contracts import GROUP_CLIENT_REGISTRY
from frontdesk_kit import KIT_MIGRATIONS, HandledEvents, Outbox, migrate
from frontdesk_registry.adapters.unit_of_work import PgUnitsOfWork
from frontdesk_registry.bootstrap import MIGRATIONS
from frontdesk_testing.registry.repository_contract import StoreContract

pytestmark = pytest.mark.integration


@pytest.fixture
async def units(database: str) -> AsyncIterator[PgUnitsOfWork]:
    async with asyncpg.create_pool(database, min_size=1, max_size=2) as pool:
        async with pool.acquire() as conn:
            await migrate(conn, [("kit", KIT_MIGRATIONS), *MIGRATIONS])
        yield PgUnitsOfWork(pool, Outbox(), HandledEvents(pool, GROUP_CLIENT_REGISTRY))


class TestPostgresStore(StoreContract):
    """Every check of the contract, on a fresh, migrated database."""
