"""The repository contract on the in-memory store the use-case tests run on (the same
checks run on PostgreSQL in tests/integration/registry/test_repositories.py)."""

from __future__ import annotations

import pytest

from frontdesk_testing.registry.fakes import MemoryUnitsOfWork
from frontdesk_testing.registry.repository_contract import StoreContract


@pytest.fixture
def units() -> MemoryUnitsOfWork:
    return MemoryUnitsOfWork()


class TestMemoryStore(StoreContract):
    """Every check of the contract, on the fake."""
