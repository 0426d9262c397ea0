"""Sending: claim due messages, deliver one (or hold it back), record how it settled.

The outcome, the suppression it may bring and the event that tells it are recorded in
one transaction, after the attempt: a crash between the server's acceptance and that
commit re-sends the message once its lease ends (same Message-ID).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from uuid import UUID

from ..domain.delivery import Broken, Outcome, QueuedMessage, SendFacts, Status, hold
from ..domain.requests import SUPERSEDING_KINDS
from ..domain.settling import Settlement, held_back, settle
from .deps import Deps

log = logging.getLogger("frontdesk.notifications")


async def claim_due(deps: Deps, limit: int, lease_seconds: float) -> list[QueuedMessage]:
    """Up to `limit` due messages, claimed for `lease_seconds`."""
    async with deps.units.transaction() as uow:
        return await uow.messages.claim_due(limit, lease_seconds)


async def release(deps: Deps, message_ids: list[UUID]) -> None:
    """Hand claimed messages back to the queue at once."""
    async with deps.units.transaction() as uow:
        await uow.messages.release(message_ids)


async def deliver(deps: Deps, message: QueuedMessage) -> Status | None:
    """Send one claimed message, or hold it back; record what happened. None: retry later."""
    async with deps.units.transaction() as uow:
        history = await uow.messages.recipient_history(
            message,
            deps.rate_limit.window_seconds,
            newer_link_matters=message.kind in SUPERSEDING_KINDS,
        )
    held = hold(SendFacts.of(message, history, deps.rate_limit, datetime.now(UTC)))
    if held is not None:
        settlement = held_back(message, held)
        await _record(deps, message, settlement)
        log.info("message held back", extra={"message_id": str(message.id), "reason": held.reason})
    else:
        outcome = await _attempt(deps, message)
        settlement = settle(message, outcome, deps.backoff, datetime.now(UTC))
        await _record(deps, message, settlement)
        log.info(
            "delivery attempt recorded",
            extra={
                "message_id": str(message.id),
                "outcome": type(outcome).__name__,
                "attempts": settlement.attempts,
            },
        )
    return None if settlement.status is Status.QUEUED else settlement.status


async def _attempt(deps: Deps, message: QueuedMessage) -> Outcome:
    email = deps.composer.compose(message)
    if isinstance(email, Broken):
        return email
    return await deps.mailer.send(email, deps.sender.address, message.recipient)


async def _record(deps: Deps, message: QueuedMessage, settlement: Settlement) -> None:
    async with deps.units.transaction() as uow:
        await uow.messages.settle(message.id, settlement)
        if settlement.suppression is not None:
            await uow.suppressions.add(
                message.recipient, settlement.suppression, settlement.error, message.id
            )
        await uow.publish(message.told(settlement.event))
