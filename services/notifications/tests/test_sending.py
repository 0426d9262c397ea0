"""The sender loop: delivers what is due, and hands back unstarted claims on shutdown."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from frontdesk_contracts import generate_key_pair, seal
from frontdesk_notifications.domain.delivery import Accepted
from frontdesk_notifications.sending import SenderLoop

from .fakes import FakeSmtp, fake_deps, queued

KEYS = generate_key_pair("unit-1")
SEALED = {"token": seal("tok", KEYS.public_key, KEYS.key_id).model_dump()}


def messages(count: int) -> list[Any]:
    return [queued(SEALED, id=UUID(int=n + 1)) for n in range(count)]


class StuckSmtp(FakeSmtp):
    """Hangs on the first message, as a slow SMTP server would."""

    def __init__(self) -> None:
        super().__init__()
        self.started = asyncio.Event()

    async def send(self, message: Any, sender: str, recipient: str) -> Accepted:
        self.started.set()
        await asyncio.Event().wait()
        return Accepted()


def loop_for(deps: Any) -> SenderLoop:
    return SenderLoop(deps, concurrency=1, batch=10, poll_interval=0.01, lease_seconds=60)


async def test_the_loop_delivers_every_due_message():
    deps = fake_deps(KEYS)
    deps.messages.due = messages(3)
    sender = loop_for(deps)
    task = asyncio.create_task(sender.run())
    while sender.delivered < 3:  # noqa: ASYNC110 - polling a counter
        await asyncio.sleep(0.01)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert len(deps.smtp.sent) == 3


async def test_on_shutdown_unstarted_claims_are_released_the_one_in_flight_is_not():
    smtp = StuckSmtp()
    deps = fake_deps(KEYS, smtp=smtp)
    deps.messages.due = messages(3)
    task = asyncio.create_task(loop_for(deps).run())
    await smtp.started.wait()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert deps.messages.released == [UUID(int=2), UUID(int=3)]
