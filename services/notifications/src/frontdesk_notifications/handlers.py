"""The use cases: queue the email an event asks for, deliver one message, record the end.

Each opens a transaction, loads, asks the domain, records and writes the outbox event in
that same transaction. The sender loop (`sending.py`) and the entrypoints call these.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from frontdesk_contracts import (
    EmailFailed,
    EmailSent,
    EmailSuppressed,
    Envelope,
    EventPayload,
    KeyRing,
    new_event,
)
from frontdesk_kit import HandledEvents, Outbox

from .adapters.mail import SmtpPool, build_message
from .adapters.repository import MessageLog, Suppressions
from .adapters.secrets import UnopenableSecret, open_secrets
from .adapters.templates import EmailRenderer, TemplateError
from .domain.delivery import (
    Accepted,
    Broken,
    Hold,
    Outcome,
    QueuedMessage,
    Refused,
    RetryPolicy,
    SendFacts,
    Status,
    TransientFailure,
    hold,
)
from .domain.requests import email_requested_by, message_id_for

log = logging.getLogger("frontdesk.notifications")


@dataclass(frozen=True)
class Sender:
    """Who the emails come from, and the domain of their Message-IDs."""

    address: str
    name: str
    message_id_domain: str


@dataclass
class Deps:
    """What the handlers use; built once by `bootstrap`."""

    pool: asyncpg.Pool
    outbox: Outbox
    handled: HandledEvents
    messages: MessageLog
    suppressions: Suppressions
    smtp: SmtpPool
    renderer: EmailRenderer
    keys: KeyRing
    retry: RetryPolicy
    sender: Sender
    rate_limit: int
    rate_window_seconds: int
    wake_sender: Callable[[], None] = lambda: None


async def queue_email(deps: Deps, event: Envelope[EventPayload]) -> bool:
    """Queue the email `event` asks for, once; True when a message was queued now."""
    request = email_requested_by(event.payload)
    if request is None:
        return False

    async def effect(conn: asyncpg.Connection) -> None:
        await deps.messages.add(
            conn,
            message_id_for(event.id, request.kind),
            request,
            event_id=event.id,
            event_type=event.type,
            correlation_id=event.correlation_id,
            event_time=event.time,
        )
        if request.supersedes is not None:
            await deps.messages.supersede(conn, request.supersedes, event.id)

    queued = await deps.handled.once(event.id, effect)
    if queued:
        deps.wake_sender()
    return queued


async def deliver(deps: Deps, message: QueuedMessage) -> Status | None:
    """Send one claimed message, or hold it back; record what happened. None: retry later."""
    async with deps.pool.acquire() as conn:
        facts = await deps.messages.send_facts(conn, message, deps.rate_window_seconds)
    reason = hold(
        SendFacts(
            now=datetime.now(UTC),
            expires_at=message.expires_at,
            superseded=message.superseded_by is not None or facts["newer_link"],
            recipient_suppressed=facts["suppressed"],
            sent_to_recipient_in_window=facts["sent_in_window"],
            rate_limit=deps.rate_limit,
        )
    )
    if reason is not None:
        return await _record_hold(deps, message, reason)
    return await _record_outcome(deps, message, await _attempt(deps, message))


async def _attempt(deps: Deps, message: QueuedMessage) -> Outcome:
    try:
        secrets = open_secrets(deps.keys, message.sealed_secrets)
        rendered = deps.renderer.render(
            message.template, message.context, secrets, message.studio_id
        )
    except (UnopenableSecret, TemplateError) as error:
        return Broken(str(error))
    email = build_message(
        rendered,
        sender=deps.sender.address,
        sender_name=deps.sender.name,
        recipient=message.recipient,
        message_id=message.id,
        domain=deps.sender.message_id_domain,
    )
    return await deps.smtp.send(email, deps.sender.address, message.recipient)


async def _record_hold(deps: Deps, message: QueuedMessage, reason: Hold) -> Status:
    suppressed = EmailSuppressed(
        **_facts(message),
        reason="bounced" if reason.reason == "suppressed" else reason.reason,
        permanent=reason.reason == "suppressed",
    )
    async with deps.pool.acquire() as conn, conn.transaction():
        await deps.messages.mark_final(
            conn, message.id, reason.status, reason.reason, message.attempts, None
        )
        await deps.outbox.add_event(conn, _caused_by(message, suppressed))
    log.info("message held back", extra={"message_id": str(message.id), "reason": reason.reason})
    return reason.status


async def _record_outcome(deps: Deps, message: QueuedMessage, outcome: Outcome) -> Status | None:
    attempts = message.attempts + 1
    status: Status | None
    async with deps.pool.acquire() as conn, conn.transaction():
        if isinstance(outcome, Accepted):
            status = Status.SENT
            await deps.messages.mark_sent(conn, message.id, attempts)
            event: EventPayload = EmailSent(**_facts(message), attempts=attempts)
        elif isinstance(outcome, TransientFailure):
            retry_at = deps.retry.next_attempt(attempts, datetime.now(UTC))
            status = None if retry_at is not None else Status.FAILED
            if retry_at is None:
                await deps.messages.mark_final(
                    conn, message.id, Status.FAILED, "retries_exhausted", attempts, outcome.reason
                )
            else:
                await deps.messages.mark_retry(conn, message.id, attempts, outcome.reason, retry_at)
            event = _failed(message, outcome.reason, attempts, permanent=retry_at is None)
        else:
            status = Status.FAILED
            kind = "refused" if isinstance(outcome, Refused) else "unbuildable"
            await deps.messages.mark_final(
                conn, message.id, Status.FAILED, kind, attempts, outcome.reason
            )
            if isinstance(outcome, Refused) and outcome.address_refused:
                await deps.suppressions.add(
                    conn, message.recipient, "bounced", outcome.reason, message.id
                )
            event = _failed(message, outcome.reason, attempts, permanent=True)
        await deps.outbox.add_event(conn, _caused_by(message, event))
    log.info(
        "delivery attempt recorded",
        extra={
            "message_id": str(message.id),
            "outcome": type(outcome).__name__,
            "attempts": attempts,
        },
    )
    return status


def _failed(message: QueuedMessage, reason: str, attempts: int, *, permanent: bool) -> EmailFailed:
    return EmailFailed(**_facts(message), reason=reason, permanent=permanent, attempts=attempts)


def _facts(message: QueuedMessage) -> dict[str, Any]:
    return {
        "message_id": str(message.id),
        "account_id": message.account_id,
        "recipient": message.recipient,
        "kind": message.kind,
        "cause_event_id": message.event_id,
        "cause_event_type": message.event_type,
    }


def _caused_by(message: QueuedMessage, payload: EventPayload) -> Envelope[EventPayload]:
    return new_event(
        payload, correlation_id=message.correlation_id, causation_id=str(message.event_id)
    )
