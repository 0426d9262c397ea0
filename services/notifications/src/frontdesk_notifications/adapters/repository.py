"""The outgoing-message log and the suppression list, in the service's own PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from ..domain.delivery import QueuedMessage, Status
from ..domain.requests import LINK_KINDS, EmailRequest

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
SET claimed_until = now() + make_interval(secs => $2), updated_at = now()
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
RELEASE = """
UPDATE outgoing_messages SET claimed_until = NULL, updated_at = now()
WHERE id = ANY($1::uuid[]) AND status = 'queued'
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
    claimed_until = NULL, last_error = NULL, updated_at = now()
WHERE id = $1
"""
MARK_FINAL = """
UPDATE outgoing_messages
SET status = $2, status_reason = $3, attempts = $4, last_error = $5, sealed_secrets = NULL,
    claimed_until = NULL, updated_at = now()
WHERE id = $1
"""
MARK_RETRY = """
UPDATE outgoing_messages
SET attempts = $2, last_error = $3, next_attempt_at = $4, claimed_until = NULL,
    updated_at = now()
WHERE id = $1
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


class MessageLog:
    """Queries of the outgoing-message log; each runs on the connection it is given."""

    async def add(
        self,
        conn: asyncpg.Connection,
        message_id: UUID,
        request: EmailRequest,
        *,
        event_id: UUID,
        event_type: str,
        correlation_id: str,
        event_time: datetime,
    ) -> None:
        """Queue one message; a replay of the same (event, kind) adds nothing."""
        await conn.execute(
            INSERT_MESSAGE,
            message_id,
            event_id,
            event_type,
            correlation_id,
            request.kind,
            request.template,
            request.account_id,
            request.studio_id,
            request.recipient,
            json.dumps(request.context),
            json.dumps({k: v.model_dump() for k, v in request.secrets.items()}),
            event_time,
            request.expires_at,
        )

    async def supersede(self, conn: asyncpg.Connection, old_event: UUID, new_event: UUID) -> None:
        """Mark the unsent messages of `old_event` as replaced by `new_event`'s."""
        await conn.execute(MARK_SUPERSEDED, old_event, new_event)

    async def claim_due(
        self, conn: asyncpg.Connection, limit: int, lease_seconds: float
    ) -> list[QueuedMessage]:
        """Claim up to `limit` due messages for `lease_seconds` (skipping others' claims)."""
        return [_queued(row) for row in await conn.fetch(CLAIM_DUE, limit, lease_seconds)]

    async def release(self, conn: asyncpg.Connection, message_ids: list[UUID]) -> None:
        """Give claimed messages back at once (on shutdown), rather than after the lease."""
        await conn.execute(RELEASE, message_ids)

    async def send_facts(
        self, conn: asyncpg.Connection, message: QueuedMessage, window_seconds: int
    ) -> asyncpg.Record:
        """Suppressed?, sent to the address lately, and whether a newer link replaced it."""
        row = await conn.fetchrow(
            SEND_FACTS,
            message.recipient,
            float(window_seconds),
            message.account_id,
            message.kind,
            message.event_time,
            message.kind in LINK_KINDS,
        )
        assert row is not None
        return row

    async def mark_sent(self, conn: asyncpg.Connection, message_id: UUID, attempts: int) -> None:
        await conn.execute(MARK_SENT, message_id, attempts)

    async def mark_final(
        self,
        conn: asyncpg.Connection,
        message_id: UUID,
        status: Status,
        reason: str,
        attempts: int,
        error: str | None,
    ) -> None:
        await conn.execute(MARK_FINAL, message_id, status.value, reason, attempts, error)

    async def mark_retry(
        self,
        conn: asyncpg.Connection,
        message_id: UUID,
        attempts: int,
        error: str,
        retry_at: datetime,
    ) -> None:
        await conn.execute(MARK_RETRY, message_id, attempts, error, retry_at)

    async def find(
        self,
        conn: asyncpg.Connection,
        *,
        recipient: str | None,
        account_id: str | None,
        event_id: UUID | None,
        limit: int,
    ) -> Sequence[asyncpg.Record]:
        rows: Sequence[asyncpg.Record] = await conn.fetch(
            FIND_MESSAGES, recipient, account_id, event_id, limit
        )
        return rows

    async def get(self, conn: asyncpg.Connection, message_id: UUID) -> asyncpg.Record | None:
        return await conn.fetchrow(GET_MESSAGE, message_id)


class Suppressions:
    """The addresses nothing is sent to."""

    async def add(
        self, conn: asyncpg.Connection, address: str, reason: str, detail: str, message_id: UUID
    ) -> None:
        await conn.execute(SUPPRESS, address, reason, detail, message_id)

    async def list(
        self, conn: asyncpg.Connection, address: str | None, limit: int
    ) -> Sequence[asyncpg.Record]:
        rows: Sequence[asyncpg.Record] = await conn.fetch(LIST_SUPPRESSIONS, address, limit)
        return rows

    async def lift(self, conn: asyncpg.Connection, address: str) -> bool:
        return await conn.fetchval(LIFT_SUPPRESSION, address) is not None


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
    )


def _json(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    decoded: dict[str, Any] = json.loads(value) if isinstance(value, str) else value
    return decoded
