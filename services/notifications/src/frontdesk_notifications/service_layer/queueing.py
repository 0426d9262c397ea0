"""Queueing the emails identity's events ask for: once per event and kind of email."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from frontdesk_contracts import Envelope, EventPayload

from ..domain.requests import EmailRequest, email_requested_by, message_id_for
from .deps import Deps
from .unit_of_work import UnitOfWork


async def queue_emails(deps: Deps, events: Sequence[Envelope[Any]]) -> int:
    """Queue the emails `events` ask for, each event once, in one unit of work; how many
    messages were queued now."""
    asked: list[tuple[Envelope[Any], EmailRequest]] = []

    async def effect(uow: UnitOfWork, fresh: list[Envelope[Any]]) -> None:
        for event in fresh:
            request = email_requested_by(event.payload)
            if request is not None:
                asked.append((event, request))
        await uow.messages.add_all([(message_id_for(e.id, r.kind), r, e) for e, r in asked])
        for event, request in asked:
            if request.supersedes is not None:
                await uow.messages.supersede(request.supersedes, event.id)

    await deps.units.once_each(events, effect)
    if asked:
        deps.wake_sender()
    return len(asked)


async def queue_email(deps: Deps, event: Envelope[EventPayload]) -> bool:
    """Queue the email `event` asks for, once; True when a message was queued now."""
    return await queue_emails(deps, [event]) > 0
