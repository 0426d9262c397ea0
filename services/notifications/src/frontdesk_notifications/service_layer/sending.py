"""Sending: claim due messages, keep the claim, deliver one (or hold it back), record
how it settled.

A claim is a short lease under a fresh token, renewed while its holder works through
the batch. Just before a message goes out, the holder renews its lease once more and
sends only if the token is still its own: a message whose lease lapsed and that another
instance claimed is never sent by the old holder. The outcome, the suppression it may
bring and the event that tells it are recorded in one transaction after the attempt,
again only under the holder's token. A crash between the server's acceptance and that
commit re-sends the message once its lease ends (same Message-ID).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID

from ..domain.delivery import Broken, Outcome, QueuedMessage, SendFacts, Status, hold
from ..domain.requests import SUPERSEDING_KINDS
from ..domain.settling import Settlement, held_back, settle
from .deps import Deps

log = logging.getLogger("frontdesk.notifications")


class ClaimLost(Exception):
    """The message's lease lapsed and another claim took it: this holder neither sends it
    (when found before the attempt) nor records it (after); the new holder does."""


class OutcomeNotRecorded(Exception):
    """The attempt happened but its outcome could not be recorded in time (the database
    stayed down): the message is sent once more when its lease lapses."""


async def claim_due(deps: Deps, limit: int, lease_seconds: float) -> list[QueuedMessage]:
    """Up to `limit` due messages, claimed for `lease_seconds`."""
    async with deps.units.transaction() as uow:
        return await uow.messages.claim_due(limit, lease_seconds)


async def renew(
    deps: Deps, claim_token: UUID, message_ids: Sequence[UUID], lease_seconds: float
) -> set[UUID]:
    """Extend the lease of the messages `claim_token` still holds; those it holds."""
    async with deps.units.transaction() as uow:
        return await uow.messages.renew(claim_token, message_ids, lease_seconds)


async def release(deps: Deps, claim_token: UUID, message_ids: Sequence[UUID]) -> None:
    """Hand the messages `claim_token` still holds back to the queue at once."""
    async with deps.units.transaction() as uow:
        await uow.messages.release(claim_token, message_ids)


async def deliver(deps: Deps, message: QueuedMessage, lease_seconds: float) -> Status | None:
    """Send one claimed message, or hold it back; record what happened.

    None: not final, tried again later. The lease is renewed for `lease_seconds` just
    before the attempt, so the whole send fits in it. Raises `ClaimLost` when another
    claim holds the message (then nothing is sent, or nothing recorded), and
    `OutcomeNotRecorded` when the attempt could not be recorded."""
    assert message.claim_token is not None, "only a claimed message is delivered"
    async with deps.units.transaction() as uow:
        if not await uow.messages.renew(message.claim_token, [message.id], lease_seconds):
            raise ClaimLost(f"message {message.id} is claimed by another instance")
        history = await uow.messages.recipient_history(
            message,
            deps.rate_limit.window_seconds,
            newer_link_matters=message.kind in SUPERSEDING_KINDS,
        )
    held = hold(SendFacts.of(message, history, deps.rate_limit, datetime.now(UTC)))
    if held is not None:
        settlement = held_back(message, held)
        await _record_patiently(deps, message, settlement)
        log.info("message held back", extra={"message_id": str(message.id), "reason": held.reason})
    else:
        outcome = await _attempt(deps, message)
        settlement = settle(message, outcome, deps.backoff, datetime.now(UTC))
        await _record_patiently(deps, message, settlement)
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


RECORD_PATIENCE_SECONDS = 300.0
"""How long an outcome that cannot be recorded (the database is down) is tried again."""


async def _record_patiently(deps: Deps, message: QueuedMessage, settlement: Settlement) -> None:
    # The attempt already happened: giving up here means sending the message again once
    # its lease lapses, so a database outage is waited out. The record is conditional on
    # the claim token, so recording late never overwrites another holder's outcome.
    pause, deadline = 0.2, asyncio.get_running_loop().time() + RECORD_PATIENCE_SECONDS
    while True:
        try:
            await _record(deps, message, settlement)
            return
        except ClaimLost:
            raise
        except Exception as error:
            if asyncio.get_running_loop().time() + pause > deadline:
                raise OutcomeNotRecorded(f"message {message.id}: {error!r}") from error
            log.warning(
                "recording an outcome failed; retrying",
                extra={"message_id": str(message.id), "error": repr(error)},
            )
        await asyncio.sleep(pause)
        pause = min(pause * 2, 5.0)


async def _record(deps: Deps, message: QueuedMessage, settlement: Settlement) -> None:
    async with deps.units.transaction() as uow:
        if not await uow.messages.settle(message, settlement):
            raise ClaimLost(f"message {message.id} was claimed by another instance meanwhile")
        if settlement.suppression is not None:
            await uow.suppressions.add(
                message.recipient, settlement.suppression, settlement.error, message.id
            )
        await uow.publish(message.told(settlement.event))
