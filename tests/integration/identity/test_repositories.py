"""The same repository tests on the unit tests' fakes and on PostgreSQL, so the fakes
the handler tests rely on behave like the real thing."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from frontdesk_contracts import uuid7
from frontdesk_identity.adapters.unit_of_work import Database
from frontdesk_identity.bootstrap import COMPONENTS
from frontdesk_identity.domain.accounts import Account
from frontdesk_identity.domain.errors import UsernameTaken
from frontdesk_kit import Outbox, migrate

pytestmark = pytest.mark.integration
FAKES = Path(__file__).parents[3] / "services" / "identity" / "tests" / "fakes.py"
NOW = datetime.now(UTC)


def _fakes() -> Any:
    spec = importlib.util.spec_from_file_location("identity_fakes", FAKES)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["identity_fakes"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(params=["fake", "postgres"])
async def db(request: pytest.FixtureRequest, database: str) -> AsyncIterator[Any]:
    if request.param == "fake":
        yield _fakes().FakeDatabase()
        return
    async with asyncpg.create_pool(database, min_size=1, max_size=2) as pool:
        async with pool.acquire() as conn:
            await migrate(conn, COMPONENTS)
        yield Database(pool, Outbox())


def account(account_id: str, **changes: Any) -> Account:
    values: dict[str, Any] = {
        "id": account_id,
        "origin": "import",
        "given_name": "G",
        "studio_id": "s1",
        "external_client_id": account_id,
        "emails": ["G@Example.com"],
    }
    return Account(**{**values, **changes})


async def test_accounts_are_found_by_address_case_insensitively_but_not_once_merged(db):
    async with db.transaction() as tx:
        assert await tx.accounts.add(account("a"))
        assert await tx.accounts.add(account("b", studio_id="s2", username="Gee"))
        assert not await tx.accounts.add(account("c", external_client_id="a"))  # same studio
        found = await tx.accounts.by_email("g@EXAMPLE.com")
        assert sorted(a.id for a in found) == ["a", "b"]
        merged = await tx.accounts.get("a")
        merged.merged_into = "b"
        await tx.accounts.save(merged)
        assert [a.id for a in await tx.accounts.by_email("g@example.com")] == ["b"]
        assert (await tx.accounts.by_username("GEE")).id == "b"
        assert await tx.accounts.username_taken("gee")
        assert not await tx.accounts.username_taken("gee", by_other_than="b")
        assert (await tx.accounts.by_external_id("s2", "b")).id == "b"


async def test_the_unique_username_wins_a_race_as_username_taken(db):
    async with db.transaction() as tx:
        await tx.accounts.add(account("a", username="Lin"))
    with pytest.raises(UsernameTaken):
        async with db.transaction() as tx:
            await tx.accounts.add(account("b", username="lin"))
    with pytest.raises(UsernameTaken):
        async with db.transaction() as tx:
            await tx.accounts.add(account("c"))
            taker = await tx.accounts.get("c")
            taker.username = "LIN"
            await tx.accounts.save(taker)


async def test_a_rolled_back_transaction_leaves_nothing(db):
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.accounts.add(account("a"))
            raise RuntimeError("boom")
    async with db.transaction() as tx:
        assert await tx.accounts.get("a") is None


async def test_tokens_supersede_spend_and_end(db):
    first, second, other = uuid7(), uuid7(), uuid7()
    async with db.transaction() as tx:
        await tx.accounts.add(account("a"))
        await tx.tokens.add(first, "a", "password_reset", b"d1", "g@x.co", NOW, NOW + timedelta(1))
        assert await tx.tokens.supersede("a", "password_reset", NOW) == first
        await tx.tokens.add(second, "a", "password_reset", b"d2", "g@x.co", NOW, NOW + timedelta(1))
        await tx.tokens.add(
            other, "a", "email_verification", b"d3", "G@x.co", NOW, NOW + timedelta(1), b"c"
        )
        assert (await tx.tokens.find(b"d1", "password_reset")).ended_because == "superseded"
        assert await tx.tokens.find(b"d2", "create_login") is None
        assert await tx.tokens.live_codes("g@x.co", NOW) == [(str(other), b"c")]
        await tx.tokens.count_failed_attempts([str(other)], 2, NOW)
        assert (await tx.tokens.get(str(other))).code_attempts == 1
        await tx.tokens.count_failed_attempts([str(other)], 2, NOW)
        assert await tx.tokens.live_codes("g@x.co", NOW) == []
        await tx.tokens.spend(str(second), NOW)
        assert (await tx.tokens.find(b"d2", "password_reset")).used_at is not None


async def test_sessions_and_rates(db):
    session = uuid7()
    async with db.transaction() as tx:
        await tx.accounts.add(account("a"))
        await tx.sessions.start(session, "a", NOW)
        await tx.sessions.add_refresh(b"r1", session, NOW + timedelta(1))
        row = await tx.sessions.refresh_for_update(b"r1")
        assert (row["account_id"], row["used_at"], row["ended_at"]) == ("a", None, None)
        await tx.sessions.end_all(["a"], NOW)
        assert not await tx.sessions.is_live(session)
        for seconds in (7200, 10, 5):
            await tx.rates.record("k", "s", NOW - timedelta(seconds=seconds))
        assert await tx.rates.count("k", "s", NOW, 3600) == 2
        assert await tx.rates.last("k", "s", NOW, 3600) == NOW - timedelta(seconds=5)
        await tx.rates.clear("k", "s")
        assert await tx.rates.count("k", "s", NOW, 9999) == 0
