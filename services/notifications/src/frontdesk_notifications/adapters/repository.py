"""The outgoing-message log and the suppression list, in the service's own PostgreSQL.

Each repository runs its statements on the connection of one unit of work and returns
domain objects, never driver records."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from frontdesk_contracts import Envelope

from ..domain.delivery import QueuedMessage, RecipientHistory, Status
from ..domain.records import MessageRecord, SuppressedAddress
from ..domain.requests import EmailRequest
from ..domain.settling import Settlement

INSERT_MESSAGE = """
INSERT INTO outgoing_messages (
    id, event_id, event_type, correlation_id, kind, template, account_id, studio_id,
    recipient, context, sealed_secrets, event_time, expires_at
) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb, $12, $13)
ON CONFLICT (event_id, kind) DO NOTHING
"""
MARK_SUPERSEDED = """
UPDATE outgoing_messages SET superseded_by = $2, updated_at = now()
WHERE event_id = $1 AND status = 'queued'
"""
CLAIM_DUE = """
UPDATE outgoing_messages m
SET claimed_until = now() + make_interval(secs => $2), claim_token = $3, updated_at = now()
WHERE m.id IN (
    SELECT id FROM outgoing_messages
    WHERE status = 'queued' AND next_attempt_at <= now()
      AND (claimed_until IS NULL OR claimed_until < now())
    ORDER BY next_attempt_at
    LIMIT $1
    FOR UPDATE SKIP LOCKED
)
RETURNING m.*
"""
# A lapsed lease whose token is still ours was claimed by nobody since: renewing it is safe.
RENEW = """
UPDATE outgoing_messages SET claimed_until = now() + make_interval(secs => $3)
WHERE id = ANY($1::uuid[]) AND claim_token = $2 AND status = 'queued'
RETURNING id
"""
RELEASE = """
UPDATE outgoing_messages SET claimed_until = NULL, claim_token = NULL, updated_at = now()
WHERE id = ANY($1::uuid[]) AND claim_token = $2 AND status = 'queued'
"""
SEND_FACTS = """
SELECT
    EXISTS (SELECT 1 FROM suppressions WHERE address = lower($1)) AS suppressed,
    (SELECT count(*) FROM outgoing_messages
     WHERE lower(recipient) = lower($1) AND status = 'sent'
       AND sent_at > now() - make_interval(secs => $2)) AS sent_in_window,
    ($6 AND EXISTS (SELECT 1 FROM outgoing_messages
                    WHERE account_id = $3 AND kind = $4 AND event_time > $5)) AS newer_link
"""
MARK_SENT = """
UPDATE outgoing_messages
SET status = 'sent', attempts = $2, sent_at = now(), sealed_secrets = NULL,
    claimed_until = NULL, claim_token = NULL, last_error = NULL, updated_at = now()
WHERE id = $1 AND claim_token = $3 AND status = 'queued'
"""
MARK_FINAL = """
UPDATE outgoing_messages
SET status = $2, status_reason = $3, attempts = $4, last_error = $5, sealed_secrets = NULL,
    claimed_until = NULL, claim_token = NULL, updated_at = now()
WHERE id = $1 AND claim_token = $6 AND status = 'queued'
"""
MARK_RETRY = """
UPDATE outgoing_messages
SET attempts = $2, last_error = $3, next_attempt_at = $4, claimed_until = NULL,
    claim_token = NULL, updated_at = now()
WHERE id = $1 AND claim_token = $5 AND status = 'queued'
"""
# Every column but the sealed tokens and the context: what operators may see.
FIND_MESSAGES = """
SELECT id, event_id, event_type, kind, template, account_id, studio_id, recipient, status,
status_reason, attempts, last_error, next_attempt_at, created_at, updated_at, sent_at
FROM outgoing_messages
WHERE ($1::text IS NULL OR lower(recipient) = lower($1))
  AND ($2::text IS NULL OR account_id = $2)
  AND ($3::uuid IS NULL OR event_id = $3)
ORDER BY created_at DESC, id
LIMIT $4
"""
GET_MESSAGE = """
SELECT id, event_id, event_type, kind, template, account_id, studio_id, recipient, status,
status_reason, attempts, last_error, next_attempt_at, created_at, updated_at, sent_at
FROM outgoing_messages WHERE id = $1
"""
SUPPRESS = """
INSERT INTO suppressions (address, reason, detail, message_id) VALUES (lower($1), $2, $3, $4)
ON CONFLICT (address) DO NOTHING
"""
LIST_SUPPRESSIONS = """
SELECT address, reason, detail, message_id, created_at FROM suppressions
WHERE ($1::text IS NULL OR address = lower($1))
ORDER BY created_at DESC LIMIT $2
"""
LIFT_SUPPRESSION = "DELETE FROM suppressions WHERE address = lower($1) RETURNING address"


def _message_row(
    message_id: UUID, request: EmailRequest, cause: Envelope[Any]
) -> tuple[object, ...]:
    """The parameters of INSERT_MESSAGE for one message."""
    return (
        message_id,
        cause.id,
        cause.type,
        cause.correlation_id,
        request.kind,
        request.template,
        request.account_id,
        request.studio_id,
        request.recipient,
        json.dumps(request.context),
        json.dumps({k: v.model_dump() for k, v in request.secrets.items()}),
        cause.time,
        request.expires_at,
    )


class PgMessageLog:
    """The outgoing-message log on one unit of work's connection."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add_all(self, messages: Sequence[tuple[UUID, EmailRequest, Envelope[Any]]]) -> None:
        """Queue many messages (id, request, cause) in one pipelined round of statements."""
        if messages:
            await self._conn.executemany(INSERT_MESSAGE, [_message_row(*m) for m in messages])

    async def add(self, message_id: UUID, request: EmailRequest, cause: Envelope[Any]) -> None:
        """Queue one message; a replay of the same (event, kind) adds nothing."""
        await self._conn.execute(INSERT_MESSAGE, *_message_row(message_id, request, cause))

    async def supersede(self, old_event: UUID, new_event: UUID) -> None:
        """Mark the unsent messages of `old_event` as replaced by `new_event`'s."""
        await self._conn.execute(MARK_SUPERSEDED, old_event, new_event)

    async def claim_due(self, limit: int, lease_seconds: float) -> list[QueuedMessage]:
        """Claim up to `limit` due messages for `lease_seconds` (skipping others' claims),
        under one fresh claim token."""
        rows = await self._conn.fetch(CLAIM_DUE, limit, lease_seconds, uuid4())
        return [_queued(row) for row in rows]

    async def renew(
        self, claim_token: UUID, message_ids: Sequence[UUID], lease_seconds: float
    ) -> set[UUID]:
        """Extend the lease of the messages still held by `claim_token`; their ids."""
        rows = await self._conn.fetch(RENEW, list(message_ids), claim_token, lease_seconds)
        return {row["id"] for row in rows}

    async def release(self, claim_token: UUID, message_ids: Sequence[UUID]) -> None:
        """Give messages still held by `claim_token` back at once (on shutdown)."""
        await self._conn.execute(RELEASE, list(message_ids), claim_token)

    async def recipient_history(
        self, message: QueuedMessage, window_seconds: int, *, newer_link_matters: bool
    ) -> RecipientHistory:
        """Suppressed?, sent to the address lately, and whether a newer link replaced it."""
        row = await self._conn.fetchrow(
            SEND_FACTS,
            message.recipient,
            float(window_seconds),
            message.account_id,
            message.kind,
            message.event_time,
            newer_link_matters,
        )
        assert row is not None  # a SELECT without FROM always returns its one row
        return RecipientHistory(row["suppressed"], row["sent_in_window"], row["newer_link"])

    async def settle(self, message: QueuedMessage, settlement: Settlement) -> bool:
        """Record the settlement (sent, queued again for a retry, or another final status)
        if `message`'s claim still holds it; False when it did not (nothing recorded)."""
        s, key, token = settlement, message.id, message.claim_token
        if s.status is Status.SENT:
            done = await self._conn.execute(MARK_SENT, key, s.attempts, token)
        elif s.status is Status.QUEUED:
            done = await self._conn.execute(MARK_RETRY, key, s.attempts, s.error, s.retry_at, token)
        else:
            done = await self._conn.execute(
                MARK_FINAL, key, s.status.value, s.reason, s.attempts, s.error, token
            )
        return bool(done == "UPDATE 1")

    async def find(
        self, *, recipient: str | None, account_id: str | None, event_id: UUID | None, limit: int
    ) -> list[MessageRecord]:
        """Messages matching every given filter, newest first."""
        rows = await self._conn.fetch(FIND_MESSAGES, recipient, account_id, event_id, limit)
        return [MessageRecord(**dict(row)) for row in rows]

    async def get(self, message_id: UUID) -> MessageRecord | None:
        """One message, or None."""
        row = await self._conn.fetchrow(GET_MESSAGE, message_id)
        return None if row is None else MessageRecord(**dict(row))


class PgSuppressions:
    """The addresses nothing is sent to, on one unit of work's connection."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, address: str, reason: str, detail: str | None, message_id: UUID) -> None:
        """Suppress `address` (lower-cased); a suppressed address keeps its first reason."""
        await self._conn.execute(SUPPRESS, address, reason, detail, message_id)

    async def list(self, address: str | None, limit: int) -> list[SuppressedAddress]:
        """Suppressed addresses, newest first; `address` looks one up."""
        rows = await self._conn.fetch(LIST_SUPPRESSIONS, address, limit)
        return [SuppressedAddress(**dict(row)) for row in rows]

    async def lift(self, address: str) -> bool:
        """Send to `address` again; False when it was not suppressed."""
        return await self._conn.fetchval(LIFT_SUPPRESSION, address) is not None


def _queued(row: asyncpg.Record) -> QueuedMessage:
    return QueuedMessage(
        id=row["id"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        correlation_id=row["correlation_id"],
        kind=row["kind"],
        template=row["template"],
        account_id=row["account_id"],
        studio_id=row["studio_id"],
        recipient=row["recipient"],
        context=_json(row["context"]),
        sealed_secrets=_json(row["sealed_secrets"]),
        event_time=row["event_time"],
        expires_at=row["expires_at"],
        superseded_by=row["superseded_by"],
        attempts=row["attempts"],
        claim_token=row["claim_token"],
    )


def _json(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    decoded: dict[str, Any] = json.loads(value) if isinstance(value, str) else value
    return decoded
