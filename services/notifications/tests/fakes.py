"""In-memory stand-ins for the adapters, so handlers run without servers."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from frontdesk_contracts import KeyPair, KeyRing, generate_key_pair
from frontdesk_notifications.adapters.templates import EmailRenderer, LinkPaths
from frontdesk_notifications.domain.delivery import (
    Accepted,
    Outcome,
    QueuedMessage,
    RetryPolicy,
    Status,
)
from frontdesk_notifications.handlers import Deps, Sender


class FakeConn:
    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        yield


class FakePool:
    @contextlib.asynccontextmanager
    async def acquire(self) -> AsyncIterator[FakeConn]:
        yield FakeConn()


class FakeHandled:
    def __init__(self) -> None:
        self.seen: set[UUID] = set()

    async def once(self, event_id: UUID, effect: Any) -> bool:
        if event_id in self.seen:
            return False
        await effect(FakeConn())
        self.seen.add(event_id)
        return True


@dataclass
class FakeMessageLog:
    rows: dict[UUID, dict[str, Any]] = field(default_factory=dict)
    suppressed: set[str] = field(default_factory=set)
    newer_link: bool = False
    sent_in_window: int = 0

    async def add(self, conn: Any, message_id: UUID, request: Any, **facts: Any) -> None:
        self.rows.setdefault(
            message_id, {"request": request, "status": "queued", "superseded_by": None, **facts}
        )

    released: list[UUID] = field(default_factory=list)
    due: list[QueuedMessage] = field(default_factory=list)

    async def claim_due(self, conn: Any, limit: int, lease: float) -> list[QueuedMessage]:
        claimed, self.due = self.due[:limit], self.due[limit:]
        return claimed

    async def release(self, conn: Any, message_ids: list[UUID]) -> None:
        self.released.extend(message_ids)

    async def supersede(self, conn: Any, old_event: UUID, new_event: UUID) -> None:
        for row in self.rows.values():
            if row["event_id"] == old_event and row["status"] == "queued":
                row["superseded_by"] = new_event

    async def send_facts(self, conn: Any, message: QueuedMessage, window: int) -> dict[str, Any]:
        return {
            "suppressed": message.recipient.lower() in self.suppressed,
            "sent_in_window": self.sent_in_window,
            "newer_link": self.newer_link,
        }

    async def mark_sent(self, conn: Any, message_id: UUID, attempts: int) -> None:
        self.rows[message_id] = {"status": "sent", "attempts": attempts}

    async def mark_final(
        self,
        conn: Any,
        message_id: UUID,
        status: Status,
        reason: str,
        attempts: int,
        error: str | None,
    ) -> None:
        self.rows[message_id] = {"status": status.value, "reason": reason, "attempts": attempts}

    async def mark_retry(
        self, conn: Any, message_id: UUID, attempts: int, error: str, retry_at: datetime
    ) -> None:
        self.rows[message_id] = {"status": "queued", "attempts": attempts, "retry_at": retry_at}


@dataclass
class FakeSuppressions:
    added: list[str] = field(default_factory=list)

    async def add(self, conn: Any, address: str, reason: str, detail: str, message_id: Any) -> None:
        self.added.append(address)


@dataclass
class FakeOutbox:
    events: list[Any] = field(default_factory=list)

    async def add_event(self, conn: Any, event: Any) -> None:
        self.events.append(event)


@dataclass
class FakeSmtp:
    outcome: Outcome = field(default_factory=Accepted)
    sent: list[Any] = field(default_factory=list)

    async def send(self, message: Any, sender: str, recipient: str) -> Outcome:
        self.sent.append(message)
        return self.outcome


def fake_deps(keys: KeyPair | None = None, **overrides: Any) -> Deps:
    pair = keys or generate_key_pair("unit-1")
    values: dict[str, Any] = {
        "pool": FakePool(),
        "outbox": FakeOutbox(),
        "handled": FakeHandled(),
        "messages": FakeMessageLog(),
        "suppressions": FakeSuppressions(),
        "smtp": FakeSmtp(),
        "renderer": EmailRenderer(LinkPaths(base_url="https://app.test")),
        "keys": KeyRing.of(pair),
        "retry": RetryPolicy(max_attempts=3, first_delay=1, max_delay=10),
        "sender": Sender("noreply@frontdesk.test", "Frontdesk", "frontdesk.test"),
        "rate_limit": 5,
        "rate_window_seconds": 3600,
        **overrides,
    }
    return Deps(**values)


def queued(sealed: dict[str, Any], **overrides: Any) -> QueuedMessage:
    values: dict[str, Any] = {
        "id": UUID("00000000-0000-4000-8000-000000000001"),
        "event_id": UUID("00000000-0000-7000-8000-000000000002"),
        "event_type": "PasswordResetRequested",
        "correlation_id": "corr-1",
        "kind": "password_reset",
        "template": "password_reset",
        "account_id": "acc-1",
        "studio_id": None,
        "recipient": "ada@example.test",
        "context": {
            "requested_by": "self",
            "expires_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        },
        "sealed_secrets": sealed,
        "event_time": datetime.now(UTC),
        "expires_at": datetime.now(UTC) + timedelta(hours=1),
        "superseded_by": None,
        "attempts": 0,
        **overrides,
    }
    return QueuedMessage(**values)
