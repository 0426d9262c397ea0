"""The repository contract on the fakes the use-case tests run on (the same checks run
on PostgreSQL in tests/integration/notifications/test_repositories.py)."""

from __future__ import annotations

import pytest

from frontdesk_testing.notifications.fakes import FakeUnitsOfWork
from frontdesk_testing.notifications.repository_contract import RepositoryContract


@pytest.fixture
def units() -> FakeUnitsOfWork:
    return FakeUnitsOfWork()


class TestFakeUnitsOfWork(RepositoryContract):
    """Every check of the contract, on the fake."""

    async def published_types(self, units: FakeUnitsOfWork) -> list[str]:
        return [event.type for event in units.store.published]
