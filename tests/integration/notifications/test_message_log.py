"""The message log on real PostgreSQL: one row per (event, kind), claims and leases."""

from __future__ import annotations

import asyncio
import secrets

import pytest

from frontdesk_contracts import generate_key_pair
from frontdesk_kit import migrate
from frontdesk_notifications.bootstrap import MIGRATIONS, build_deps
from frontdesk_notifications.handlers import queue_email

from .conftest import address, admin_created

pytestmark = pytest.mark.integration


@pytest.fixture
async def deps(pool, settings_for):  # type: ignore[no-untyped-def]
    async with pool.acquire() as conn:
        await migrate(conn, MIGRATIONS)
    return build_deps(settings_for(generate_key_pair("log-1")), pool)


class Sealer:
    def __init__(self) -> None:
        self.keys = generate_key_pair("log-1")

    def seal(self, secret: str):  # type: ignore[no-untyped-def]
        from frontdesk_contracts import seal

        return seal(secret, self.keys.public_key, self.keys.key_id)


async def test_a_replayed_event_adds_no_second_row(deps, pool):
    event = admin_created(Sealer(), address("log"), secrets.token_urlsafe(16))
    results = await asyncio.gather(*(queue_email(deps, event) for _ in range(3)))
    assert sorted(results) == [False, False, True]
    assert await pool.fetchval("SELECT count(*) FROM outgoing_messages") == 1


async def test_claims_are_disjoint_and_a_crashed_claim_returns_after_its_lease(deps, pool):
    for _ in range(4):
        await queue_email(deps, admin_created(Sealer(), address("log"), secrets.token_urlsafe(16)))

    async def claim(limit: int, lease: float):  # type: ignore[no-untyped-def]
        async with pool.acquire() as conn:
            return await deps.messages.claim_due(conn, limit, lease)

    first, second = await asyncio.gather(claim(2, 1.0), claim(2, 1.0))
    assert len(first) == 2 and len(second) == 2
    assert not {m.id for m in first} & {m.id for m in second}
    assert await claim(10, 1.0) == []  # every message is claimed: nobody sends them twice

    await asyncio.sleep(1.2)  # the claimer "crashed" without recording an outcome
    again = await claim(10, 60.0)
    assert {m.id for m in again} == {m.id for m in first} | {m.id for m in second}
