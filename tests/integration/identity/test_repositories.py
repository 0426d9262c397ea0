"""The same repository tests on the unit tests' fakes and on PostgreSQL, so the fakes
the handler tests rely on behave like the real thing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from frontdesk_contracts import GROUP_IDENTITY, uuid7
from frontdesk_identity.adapters.unit_of_work import PgUnitsOfWork
from frontdesk_identity.bootstrap import SPEC
from frontdesk_identity.domain.accounts import Account
from frontdesk_identity.domain.audit import AuditEntry
from frontdesk_identity.domain.deliveries import EmailState
from frontdesk_identity.domain.errors import UsernameTaken
from frontdesk_kit import HandledEvents, Outbox, migrate
from frontdesk_testing.identity.fakes import FakeUnitsOfWork

pytestmark = pytest.mark.integration
NOW = datetime.now(UTC)


@pytest.fixture(params=["fake", "postgres"])
async def db(request: pytest.FixtureRequest, database: str) -> AsyncIterator[Any]:
    if request.param == "fake":
        yield FakeUnitsOfWork()
        return
    async with asyncpg.create_pool(database, min_size=1, max_size=2) as pool:
        async with pool.acquire() as conn:
            await migrate(conn, SPEC.components())
        yield PgUnitsOfWork(pool, Outbox(), HandledEvents(pool, GROUP_IDENTITY))


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
        assert (row.account_id, row.used_at, row.session_ended_at) == ("a", None, None)
        await tx.sessions.end_all(["a"], NOW)
        assert not await tx.sessions.is_live(session)
        for seconds in (7200, 10, 5):
            await tx.rates.record("k", "s", NOW - timedelta(seconds=seconds))
        assert await tx.rates.count("k", "s", NOW, 3600) == 2
        assert await tx.rates.last("k", "s", NOW, 3600) == NOW - timedelta(seconds=5)
        await tx.rates.clear("k", "s")
        assert await tx.rates.count("k", "s", NOW, 9999) == 0


async def test_the_newest_delivery_report_wins_and_the_latest_come_first(db):
    async with db.transaction() as tx:
        await tx.accounts.add(account("a"))
        sent = EmailState("m1", "password_reset", "g@x.co", "sent", None, NOW)
        failed = EmailState("m1", "password_reset", "g@x.co", "failed", "550", NOW)
        await tx.deliveries.record("a", replace(failed, at=NOW - timedelta(seconds=5)))
        await tx.deliveries.record("a", sent)
        await tx.deliveries.record("a", replace(failed, at=NOW - timedelta(seconds=1)))  # late
        await tx.deliveries.record("a", replace(sent, message_id="m2", at=NOW + timedelta(1)))
        assert await tx.deliveries.latest("a") == [
            replace(sent, message_id="m2", at=NOW + timedelta(1)),
            sent,
        ]
        assert await tx.deliveries.latest("a", limit=1) == [
            replace(sent, message_id="m2", at=NOW + timedelta(1))
        ]
        assert await tx.deliveries.latest("b") == []


async def test_studio_names_and_the_audit_trail(db):
    async with db.transaction() as tx:
        assert await tx.studios.name("s1") is None
        await tx.studios.remember("s1", "Studio One")
        await tx.studios.remember("s1", "Studio Uno")
        assert await tx.studios.name("s1") == "Studio Uno"
        await tx.audit.record(AuditEntry("admin-1", "access_view", "s1", None, "refused: x"))


async def test_an_event_is_handled_once_and_a_failed_effect_can_run_again(db):
    first, second, runs = uuid7(), uuid7(), []

    def adding(account_id: str, *, fail: bool = False) -> Any:
        async def effect(uow: Any) -> None:
            runs.append(account_id)
            await uow.accounts.add(account(account_id))
            if fail:
                raise RuntimeError("boom")

        return effect

    assert await db.once(first, adding("a"))
    assert not await db.once(first, adding("a2"))  # a redelivery: nothing runs
    with pytest.raises(RuntimeError):
        await db.once(second, adding("b", fail=True))
    assert await db.once(second, adding("c"))  # the ledger row rolled back with the effect
    assert runs == ["a", "b", "c"]
    async with db.transaction() as tx:
        assert [await tx.accounts.get(i) is not None for i in "abc"] == [True, False, True]


async def test_deferred_requests_are_kept_found_by_age_taken_and_forgotten(db):
    ids = [uuid7() for _ in range(3)]
    async with db.transaction() as tx:
        for n, request_id in enumerate(ids):
            fields = {"login": f"user{n}", "ip": "1.2.3.4", "family_name": None}
            await tx.deferred.add(request_id, "password_reset", fields, NOW - timedelta(minutes=n))
    async with db.transaction() as tx:
        assert await tx.deferred.received_before(NOW, 10) == [ids[2], ids[1]]  # oldest first
        assert await tx.deferred.received_before(NOW, 1) == [ids[2]]
        assert await tx.deferred.take(ids[1]) == (
            "password_reset",
            {"login": "user1", "ip": "1.2.3.4", "family_name": None},
        )
        await tx.deferred.remove(ids[1])
    async with db.transaction() as tx:
        assert await tx.deferred.take(ids[1]) is None
        assert await tx.deferred.received_before(NOW + timedelta(seconds=1), 10) == [ids[2], ids[0]]
