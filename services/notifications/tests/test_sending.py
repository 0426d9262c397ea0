"""The sender loop: delivers what is due, keeps its claims while it works (renewing their
short lease), never sends what another claim took, and hands back unstarted claims on
shutdown."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from frontdesk_contracts import generate_key_pair, seal
from frontdesk_notifications.domain.delivery import Accepted
from frontdesk_notifications.entrypoints.sender_loop import SenderLoop
from frontdesk_notifications.service_layer.sending import claim_due
from frontdesk_testing import eventually
from frontdesk_testing.notifications.fakes import (
    FakeMailer,
    FakeUnitsOfWork,
    fake_deps,
    queued,
    store_of,
)

KEYS = generate_key_pair("unit-1")
SEALED = {"token": seal("tok", KEYS.public_key, KEYS.key_id).model_dump()}


def messages(count: int) -> list[Any]:
    """Due messages of different accounts (none supersedes another)."""
    return [
        queued(SEALED, id=UUID(int=n + 1), event_id=UUID(int=n + 100), account_id=f"acc-{n}")
        for n in range(count)
    ]


class StuckSmtp(FakeMailer):
    """Hangs on the first message, as a slow SMTP server would."""

    def __init__(self) -> None:
        super().__init__()
        self.started = asyncio.Event()

    async def send(self, email: Any, sender: str, recipient: str) -> Accepted:
        self.started.set()
        await asyncio.Event().wait()
        return Accepted()


def loop_for(deps: Any) -> SenderLoop:
    return SenderLoop(deps, concurrency=1, batch=10, poll_interval=0.01, lease_seconds=60)


async def test_the_loop_delivers_every_due_message():
    deps = fake_deps(KEYS)
    for message in messages(3):
        store_of(deps).put(message)
    sender = loop_for(deps)
    task = asyncio.create_task(sender.run())

    async def three_delivered() -> None:
        assert sender.delivered >= 3

    await eventually(three_delivered, timeout=5, interval=0.01)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert len(deps.mailer.sent) == 3


async def test_on_shutdown_unstarted_claims_are_released_the_one_in_flight_is_not():
    smtp = StuckSmtp()
    deps = fake_deps(KEYS, mailer=smtp)
    for message in messages(3):
        store_of(deps).put(message)
    task = asyncio.create_task(loop_for(deps).run())
    await smtp.started.wait()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    rows = store_of(deps).rows
    released = [m for m, row in rows.items() if row.claimed_until is None]
    assert released == [UUID(int=2), UUID(int=3)]
    assert rows[UUID(int=1)].claimed_until is not None  # in flight: it keeps its lease


class GatedSmtp(FakeMailer):
    """Holds each send until the test opens the gate, as a slow SMTP server would."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting = asyncio.Event()
        self.gate = asyncio.Event()
        self.during_send: list[Any] = []

    async def send(self, email: Any, sender: str, recipient: str) -> Any:
        self.waiting.set()
        await self.gate.wait()
        for step in self.during_send:
            step()
        return await super().send(email, sender, recipient)


def short_lease_loop(deps: Any) -> SenderLoop:
    return SenderLoop(deps, concurrency=1, batch=10, poll_interval=0.01, lease_seconds=0.3)


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def sent_ids(deps: Any) -> list[str]:
    return sorted(email["Message-ID"] for email in deps.mailer.sent)


async def test_a_live_worker_keeps_its_claims_past_the_lease_nobody_else_takes_them() -> None:
    smtp = GatedSmtp()
    deps = fake_deps(KEYS, mailer=smtp)
    for message in messages(3):
        store_of(deps).put(message)
    sender = short_lease_loop(deps)
    task = asyncio.create_task(sender.run())
    await smtp.waiting.wait()
    rows = store_of(deps).rows
    token, first_lease_end = rows[UUID(int=1)].claim_token, rows[UUID(int=1)].claimed_until
    assert first_lease_end is not None

    async def a_lease_after_the_first_ended() -> None:  # every claim still held, still ours
        now = datetime.now(UTC)
        assert now > first_lease_end + timedelta(seconds=0.3)
        assert all(r.claim_token == token for r in rows.values())
        assert all(r.claimed_until and r.claimed_until > now for r in rows.values())

    await eventually(a_lease_after_the_first_ended, timeout=10, interval=0.02)
    other_instance = fake_deps(KEYS, units=deps.units)  # on the same database
    assert await claim_due(other_instance, 10, 0.3) == []  # nothing to take: still held
    smtp.gate.set()

    async def all_sent() -> None:
        assert {r.status for r in rows.values()} == {"sent"}

    await eventually(all_sent, timeout=5, interval=0.01)
    await stop(task)
    assert len(sent_ids(deps)) == 3 == len(set(sent_ids(deps)))
    assert (sender.renewals_failed, sender.claims_lost) == (0, 0)


async def test_claims_taken_while_the_lease_lapsed_are_not_sent_by_the_old_holder() -> None:
    smtp = GatedSmtp()
    deps = fake_deps(KEYS, mailer=smtp)
    for message in messages(3):
        store_of(deps).put(message)
    rows = store_of(deps).rows

    def another_instance_claims_the_rest() -> None:  # with a lease of its own, as a real claim
        for message_id in (UUID(int=2), UUID(int=3)):
            rows[message_id].claim_token = UUID(int=99)
            rows[message_id].claimed_until = datetime.now(UTC) + timedelta(seconds=60)

    smtp.during_send.append(another_instance_claims_the_rest)
    sender = short_lease_loop(deps)
    task = asyncio.create_task(sender.run())
    await smtp.waiting.wait()
    smtp.gate.set()

    async def first_sent() -> None:
        assert rows[UUID(int=1)].status == "sent"
        assert sender.claims_lost == 2

    await eventually(first_sent, timeout=5, interval=0.01)
    await stop(task)
    assert len(smtp.sent) == 1  # only the message it still held
    assert [rows[UUID(int=n)].claim_token for n in (2, 3)] == [UUID(int=99)] * 2
    assert [e.type for e in store_of(deps).published] == ["EmailSent"]


async def test_a_database_outage_loses_nothing_and_sends_nothing_twice() -> None:
    smtp = GatedSmtp()
    deps = fake_deps(KEYS, mailer=smtp)
    units = deps.units
    assert isinstance(units, FakeUnitsOfWork)
    for message in messages(3):
        store_of(deps).put(message)
    sender = short_lease_loop(deps)
    task = asyncio.create_task(sender.run())
    await smtp.waiting.wait()
    units.down = True  # renewals, the first record and the next sends fail meanwhile

    async def renewals_failed() -> None:
        assert sender.renewals_failed >= 2

    await eventually(renewals_failed, timeout=5, interval=0.01)
    smtp.gate.set()  # the server accepts the first while the database is still down
    await eventually(lambda: _sent_once(smtp), timeout=5, interval=0.01)
    units.down = False

    async def all_sent() -> None:
        assert {r.status for r in store_of(deps).rows.values()} == {"sent"}

    await eventually(all_sent, timeout=10, interval=0.01)
    await stop(task)
    assert len(sent_ids(deps)) == 3 == len(set(sent_ids(deps)))
    assert sender.claims_lost == 0
    assert [e.type for e in store_of(deps).published] == ["EmailSent"] * 3


async def _sent_once(smtp: GatedSmtp) -> None:
    assert len(smtp.sent) == 1
