"""The sender's short lease on real PostgreSQL and the dev SMTP server: a dead instance's
claims come back within one lease and are sent once; a live worker keeps its claims past
the lease by renewing them; a claim lost while its holder could not reach the database
is not sent by that holder.

The leases are short (2 s) so the tests wait seconds, not the default 30 s; nothing is
timed, every wait is for an effect, with a deadline.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from email.message import EmailMessage
from typing import Any
from uuid import UUID

import asyncpg
import pytest

from frontdesk_contracts import GROUP_NOTIFICATIONS, Envelope, generate_key_pair, seal
from frontdesk_kit import KIT_MIGRATIONS, HandledEvents, Outbox, migrate
from frontdesk_notifications.adapters.mail import SmtpPool
from frontdesk_notifications.adapters.unit_of_work import PgUnitsOfWork
from frontdesk_notifications.bootstrap import MIGRATIONS, bootstrap
from frontdesk_notifications.domain.delivery import Outcome
from frontdesk_notifications.entrypoints.sender_loop import SenderLoop
from frontdesk_notifications.service_layer.deps import Deps, Mailer
from frontdesk_notifications.service_layer.queueing import queue_email
from frontdesk_notifications.service_layer.sending import claim_due
from frontdesk_notifications.service_layer.unit_of_work import (
    BatchEffect,
    Effect,
    UnitOfWork,
    UnitsOfWork,
)
from frontdesk_notifications.settings import NotificationsSettings
from frontdesk_testing import InboxClient, eventually, unique_address

from .conftest import admin_created

pytestmark = pytest.mark.integration

LEASE = 2.0
KEYS = generate_key_pair("lease-1")


class Sealer:
    """Seals tokens to the key the senders below open them with."""

    def seal(self, secret: str) -> Any:
        return seal(secret, KEYS.public_key, KEYS.key_id)


class GatedSmtp:
    """The real SMTP client, each send held until the test opens the gate (a slow
    server); it notes who is in flight."""

    def __init__(self, smtp: Mailer) -> None:
        self._smtp = smtp
        self.gate = asyncio.Event()
        self.in_flight: list[str] = []

    async def send(self, email: EmailMessage, sender: str, recipient: str) -> Outcome:
        self.in_flight.append(recipient)
        await self.gate.wait()
        return await self._smtp.send(email, sender, recipient)


class Partitioned:
    """One instance's way to the real database, which the test can cut (as a network
    partition would) while other instances still reach it."""

    def __init__(self, units: UnitsOfWork) -> None:
        self._units = units
        self.cut = False

    def transaction(self) -> AbstractAsyncContextManager[UnitOfWork]:
        if self.cut:
            raise ConnectionRefusedError("the database is unreachable from this instance")
        opened: AbstractAsyncContextManager[UnitOfWork] = self._units.transaction()
        return opened

    async def once(self, event_id: UUID, effect: Effect) -> bool:
        ran: bool = await self._units.once(event_id, effect)
        return ran

    async def once_each(
        self, events: Sequence[Envelope[Any]], effect: BatchEffect
    ) -> list[Envelope[Any]]:
        handled: list[Envelope[Any]] = await self._units.once_each(events, effect)
        return handled


@pytest.fixture
async def instance(
    pool: asyncpg.Pool, settings_for: Callable[..., NotificationsSettings]
) -> AsyncIterator[Callable[..., Deps]]:
    """Factory: an instance's dependencies on the test's database and the dev SMTP."""
    async with pool.acquire() as conn:
        await migrate(conn, [("kit", KIT_MIGRATIONS), *MIGRATIONS])
    settings = settings_for(KEYS, sender_lease_seconds=LEASE, smtp_timeout=1.0)
    smtp_pools: list[SmtpPool] = []

    def build(
        mailer: Callable[[Mailer], Mailer] | None = None,
        units: Callable[[UnitsOfWork], UnitsOfWork] | None = None,
    ) -> Deps:
        smtp = SmtpPool.from_settings(settings)
        smtp_pools.append(smtp)
        pg: UnitsOfWork = PgUnitsOfWork(pool, Outbox(), HandledEvents(pool, GROUP_NOTIFICATIONS))
        return bootstrap(settings, units(pg) if units else pg, mailer(smtp) if mailer else smtp)

    yield build
    for smtp in smtp_pools:
        await smtp.close()


@asynccontextmanager
async def running(deps: Deps) -> AsyncIterator[SenderLoop]:
    """One instance's sender loop, running until the block ends."""
    loop = SenderLoop(deps, concurrency=1, batch=10, poll_interval=0.1, lease_seconds=LEASE)
    task = asyncio.create_task(loop.run())
    try:
        yield loop
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def queue_emails(deps: Deps, count: int) -> list[str]:
    """Queue `count` create-login emails (to different people); their addresses."""
    addresses = [unique_address("lease") for _ in range(count)]
    for address in addresses:
        await queue_email(deps, admin_created(Sealer(), address, secrets.token_urlsafe(16)))
    return addresses


async def received(inbox: InboxClient, addresses: list[str], each: int = 1) -> dict[str, list[str]]:
    """The Message-IDs each address received, once every one has `each` of them."""

    async def arrived() -> dict[str, list[str]]:
        got = {a: [m.message_id for m in await inbox.messages(a)] for a in addresses}
        assert all(len(ids) >= each for ids in got.values()), got
        return got

    return await eventually(arrived, timeout=30, interval=0.1)


async def statuses(pool: asyncpg.Pool) -> list[tuple[str, int]]:
    rows = await pool.fetch("SELECT status, attempts FROM outgoing_messages ORDER BY id")
    return [(row["status"], row["attempts"]) for row in rows]


async def test_a_dead_instances_claims_are_sent_by_another_once_the_short_lease_ends(
    instance: Callable[..., Deps], pool: asyncpg.Pool, inbox: InboxClient
) -> None:
    dead = instance()
    addresses = await queue_emails(dead, 3)
    assert len(await claim_due(dead, 10, LEASE)) == 3  # then it was killed: no renewal

    async with running(instance()) as survivor:
        got = await received(inbox, addresses)
        await eventually(lambda: _all_sent(pool, 3), timeout=10, interval=0.1)

    assert all(len(ids) == 1 for ids in got.values()), got
    assert survivor.delivered == 3 and survivor.claims_lost == 0


async def test_a_live_workers_claims_outlast_their_lease_and_nothing_is_sent_twice(
    instance: Callable[..., Deps], pool: asyncpg.Pool, inbox: InboxClient
) -> None:
    holder_deps = instance(mailer=GatedSmtp)
    slow = holder_deps.mailer
    assert isinstance(slow, GatedSmtp)
    addresses = await queue_emails(holder_deps, 3)

    async with running(holder_deps) as holder, running(instance()) as other:
        await eventually(lambda: _in_flight(slow), timeout=10, interval=0.05)
        first = await pool.fetchrow("SELECT max(claimed_until) AS until FROM outgoing_messages")

        async def a_lease_after_the_first_ended() -> None:  # still claimed, by the holder
            held = await pool.fetchrow(
                "SELECT now() > $1::timestamptz + make_interval(secs => $2) AS past,"
                " count(DISTINCT claim_token) AS claims, bool_and(claimed_until > now()) AS live"
                " FROM outgoing_messages",
                first["until"],
                LEASE,
            )
            assert (held["past"], held["claims"], held["live"]) == (True, 1, True)

        await eventually(a_lease_after_the_first_ended, timeout=30, interval=0.1)
        assert other.delivered == 0
        slow.gate.set()
        got = await received(inbox, addresses)
        await eventually(lambda: _all_sent(pool, 3), timeout=10, interval=0.1)

    assert all(len(ids) == 1 for ids in got.values()), got
    assert (holder.delivered, other.delivered) == (3, 0)
    assert holder.renewals_failed == 0 and holder.claims_lost == 0


async def test_a_claim_lost_while_its_holder_was_cut_off_is_not_sent_by_that_holder(
    instance: Callable[..., Deps], pool: asyncpg.Pool, inbox: InboxClient
) -> None:
    holder_deps = instance(mailer=GatedSmtp, units=Partitioned)
    slow, cut_off = holder_deps.mailer, holder_deps.units
    assert isinstance(slow, GatedSmtp) and isinstance(cut_off, Partitioned)
    addresses = await queue_emails(holder_deps, 2)

    async with running(holder_deps) as holder:
        await eventually(lambda: _in_flight(slow), timeout=10, interval=0.05)
        cut_off.cut = True  # its renewals fail; its lease lapses
        async with running(instance()) as other:
            got = await received(inbox, addresses)  # the other instance claimed and sent both
            await eventually(lambda: _all_sent(pool, 2), timeout=10, interval=0.1)
            cut_off.cut = False
            slow.gate.set()  # the send it had started goes out: the one allowed repeat

            async def both_found_lost() -> None:
                assert holder.claims_lost == 2

            await eventually(both_found_lost, timeout=30, interval=0.1)
            [in_flight] = slow.in_flight
            twice = await received(inbox, [in_flight], each=2)

    assert holder.renewals_failed >= 1 and holder.delivered == 0 and other.delivered == 2
    [never_started] = [a for a in addresses if a != in_flight]
    assert len((await received(inbox, [never_started]))[never_started]) == 1
    assert len(set(twice[in_flight])) == 1  # the repeat carries the same Message-ID
    assert len(got[in_flight]) >= 1
    assert await statuses(pool) == [("sent", 1), ("sent", 1)]  # recorded once, by the other


async def _all_sent(pool: asyncpg.Pool, count: int) -> None:
    assert await statuses(pool) == [("sent", 1)] * count


async def _in_flight(smtp: GatedSmtp) -> None:
    assert smtp.in_flight
