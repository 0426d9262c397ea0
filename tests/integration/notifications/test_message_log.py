"""The message log on real PostgreSQL: one row per (event, kind), claims and leases."""

from __future__ import annotations

import asyncio
import secrets

import pytest

from frontdesk_contracts import GROUP_NOTIFICATIONS, generate_key_pair, seal
from frontdesk_kit import KIT_MIGRATIONS, HandledEvents, Outbox, migrate
from frontdesk_notifications.adapters.mail import SmtpPool
from frontdesk_notifications.adapters.unit_of_work import PgUnitsOfWork
from frontdesk_notifications.bootstrap import MIGRATIONS, bootstrap
from frontdesk_notifications.service_layer.queueing import queue_email
from frontdesk_notifications.service_layer.sending import claim_due
from frontdesk_testing import unique_address

from .conftest import admin_created

pytestmark = pytest.mark.integration


@pytest.fixture
async def deps(pool, settings_for):  # type: ignore[no-untyped-def]
    async with pool.acquire() as conn:
        await migrate(conn, [("kit", KIT_MIGRATIONS), *MIGRATIONS])
    settings = settings_for(generate_key_pair("log-1"))
    units = PgUnitsOfWork(pool, Outbox(), HandledEvents(pool, GROUP_NOTIFICATIONS))
    return bootstrap(settings, units, SmtpPool.from_settings(settings))  # nothing is sent here


class Sealer:
    def __init__(self) -> None:
        self.keys = generate_key_pair("log-1")

    def seal(self, secret: str):  # type: ignore[no-untyped-def]
        return seal(secret, self.keys.public_key, self.keys.key_id)


async def test_a_replayed_event_adds_no_second_row(deps, pool):
    event = admin_created(Sealer(), unique_address("log"), secrets.token_urlsafe(16))
    results = await asyncio.gather(*(queue_email(deps, event) for _ in range(3)))
    assert sorted(results) == [False, False, True]
    assert await pool.fetchval("SELECT count(*) FROM outgoing_messages") == 1


async def test_claims_are_disjoint_and_a_crashed_claim_returns_after_its_lease(deps, pool):
    for _ in range(4):
        await queue_email(
            deps, admin_created(Sealer(), unique_address("log"), secrets.token_urlsafe(16))
        )

    first, second = await asyncio.gather(claim_due(deps, 2, 1.0), claim_due(deps, 2, 1.0))
    assert len(first) == 2 and len(second) == 2
    assert not {m.id for m in first} & {m.id for m in second}
    assert await claim_due(deps, 10, 1.0) == []  # every message is claimed: nobody sends twice

    # The claimer "crashed" without recording an outcome. Real time must pass: the lease
    # ends by PostgreSQL's now(), which no clock in this process can move.
    await asyncio.sleep(1.2)
    again = await claim_due(deps, 10, 60.0)
    assert {m.id for m in again} == {m.id for m in first} | {m.id for m in second}
