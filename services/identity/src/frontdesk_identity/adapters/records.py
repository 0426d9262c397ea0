"""Rate-limit counts, the admin audit trail and email delivery states in PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg

from ..domain.audit import AuditEntry
from ..domain.deliveries import EmailState

_COUNT = "SELECT count(*) FROM rate_events WHERE kind = $1 AND scope = $2 AND at > $3"
# Held until the transaction ends; the two-key form never meets the migrations' lock.
_HOLD_SCOPE = "SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))"
# Email quotas count and then record in one transaction: without the lock, requests at
# once all count the same few acts and all pass (ten resets at once sent ten links).
# Failed logins are counted in a transaction that records nothing, so holding their
# scope would only queue logins behind each other.
_HELD_KINDS = ("email:",)
_LAST = "SELECT max(at) FROM rate_events WHERE kind = $1 AND scope = $2 AND at > $3"
_FIRST = "SELECT min(at) FROM rate_events WHERE kind = $1 AND scope = $2 AND at > $3"
_RECORD = "INSERT INTO rate_events (kind, scope, at) VALUES ($1, $2, $3)"
_CLEAR = "DELETE FROM rate_events WHERE kind = $1 AND scope = $2"
_AUDIT = """
INSERT INTO admin_audit (admin_id, action, studio_id, account_id, outcome)
VALUES ($1, $2, $3, $4, $5)
"""
_UPSERT_DELIVERY = """
INSERT INTO email_deliveries (message_id, account_id, recipient, kind, state, detail, at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (message_id) DO UPDATE SET state = EXCLUDED.state, detail = EXCLUDED.detail,
    at = EXCLUDED.at
WHERE email_deliveries.at <= EXCLUDED.at
"""
_LAST_DELIVERIES = """
SELECT message_id, recipient, kind, state, detail, at FROM email_deliveries
WHERE account_id = $1 ORDER BY at DESC LIMIT $2
"""


class RateRepository:
    """Counted acts (emails sent, failed logins) per kind and scope, over a time window."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def count(self, kind: str, scope: str, now: datetime, window_seconds: float) -> int:
        """Acts of `kind` in `scope` during the window ending now.

        For an email quota, other transactions counting in the same scope then wait
        until this one ends, so its count and the act it records after count as one.
        """
        if kind.startswith(_HELD_KINDS):
            # A statement of its own: the count's snapshot is taken after the lock is
            # granted, so it sees the act of the transaction it waited for.
            await self._conn.execute(_HOLD_SCOPE, kind, scope)
        since = now - timedelta(seconds=window_seconds)
        return int(await self._conn.fetchval(_COUNT, kind, scope, since))

    async def last(
        self, kind: str, scope: str, now: datetime, window_seconds: float
    ) -> datetime | None:
        """When the latest act of `kind` in `scope` happened within the window."""
        since = now - timedelta(seconds=window_seconds)
        last: datetime | None = await self._conn.fetchval(_LAST, kind, scope, since)
        return last

    async def first(
        self, kind: str, scope: str, now: datetime, window_seconds: float
    ) -> datetime | None:
        """When the oldest act still in the window happened, if any."""
        since = now - timedelta(seconds=window_seconds)
        found: datetime | None = await self._conn.fetchval(_FIRST, kind, scope, since)
        return found

    async def record(self, kind: str, scope: str, now: datetime) -> None:
        """Count one act."""
        await self._conn.execute(_RECORD, kind, scope, now)

    async def clear(self, kind: str, scope: str) -> None:
        """Forget the acts of `kind` in `scope` (a successful login clears its failures)."""
        await self._conn.execute(_CLEAR, kind, scope)


_UPSERT_STUDIO = """
INSERT INTO studios (studio_id, name, updated_at) VALUES ($1, $2, now())
ON CONFLICT (studio_id) DO UPDATE SET name = EXCLUDED.name, updated_at = now()
WHERE studios.name <> EXCLUDED.name
"""
_STUDIO_NAME = "SELECT name FROM studios WHERE studio_id = $1"


class StudioRepository:
    """The last known display name of each studio."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def remember(self, studio_id: str, name: str) -> None:
        """Store `name` as the studio's last known name."""
        await self._conn.execute(_UPSERT_STUDIO, studio_id, name)

    async def name(self, studio_id: str) -> str | None:
        """The studio's last known name, if one was ever given."""
        found: str | None = await self._conn.fetchval(_STUDIO_NAME, studio_id)
        return found


class AuditRepository:
    """The append-only trail of admin actions."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def record(self, entry: AuditEntry) -> None:
        """Append one admin action and its outcome."""
        e = entry
        await self._conn.execute(_AUDIT, e.admin_id, e.action, e.studio_id, e.account_id, e.outcome)


class DeliveryRepository:
    """The latest state of each email notifications sent to an account."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def record(self, account_id: str, email: EmailState) -> None:
        """Record a message's newest state (an older report never overwrites a newer one)."""
        e = email
        await self._conn.execute(
            _UPSERT_DELIVERY, e.message_id, account_id, e.recipient, e.kind, e.state, e.detail, e.at
        )

    async def latest(self, account_id: str, limit: int = 10) -> list[EmailState]:
        """The account's most recent messages, newest first."""
        rows = await self._conn.fetch(_LAST_DELIVERIES, account_id, limit)
        return [
            EmailState(r["message_id"], r["kind"], r["recipient"], r["state"], r["detail"], r["at"])
            for r in rows
        ]
