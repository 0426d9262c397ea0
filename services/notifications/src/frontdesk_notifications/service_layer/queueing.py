"""Queueing the emails identity's events ask for: once per event and kind of email."""

from __future__ import annotations

from frontdesk_contracts import Envelope, EventPayload

from ..domain.requests import email_requested_by, message_id_for
from .deps import Deps
from .unit_of_work import UnitOfWork


async def queue_email(deps: Deps, event: Envelope[EventPayload]) -> bool:
    """Queue the email `event` asks for, once; True when a message was queued now."""
    request = email_requested_by(event.payload)
    if request is None:
        return False

    async def effect(uow: UnitOfWork) -> None:
        await uow.messages.add(message_id_for(event.id, request.kind), request, event)
        if request.supersedes is not None:
            await uow.messages.supersede(request.supersedes, event.id)

    queued = await deps.units.once(event.id, effect)
    if queued:
        deps.wake_sender()
    return queued
