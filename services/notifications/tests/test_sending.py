"""The sender loop: delivers what is due, and hands back unstarted claims on shutdown."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from frontdesk_contracts import generate_key_pair, seal
from frontdesk_notifications.domain.delivery import Accepted
from frontdesk_notifications.entrypoints.sender_loop import SenderLoop
from frontdesk_testing import eventually
from frontdesk_testing.notifications.fakes import FakeMailer, fake_deps, queued, store_of

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
