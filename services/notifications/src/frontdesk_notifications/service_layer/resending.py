"""Ops' resend: send one email again that the idempotent consumer would never send twice
(the rule of which messages may be resent: `domain.resends`)."""

from __future__ import annotations

import uuid
from uuid import UUID

from ..domain.resends import Resent, check_resendable
from .deps import Deps


async def resend(deps: Deps, message_id: UUID, operator: str, reason: str) -> Resent:
    """Queue exactly one more copy of `message_id`, recording who asked and why."""
    new_id, new_event = uuid.uuid4(), uuid.uuid4()
    async with deps.units.transaction() as uow:
        original = check_resendable(await uow.resends.lock_original(message_id), message_id)
        await uow.resends.copy(message_id, new_id, new_event)
        await uow.resends.record(new_id, message_id, operator, reason)
    deps.wake_sender()
    return Resent(new_id, message_id, original.recipient)
