"""In-memory stand-ins for the adapters, so the use cases run without servers.

`FakeUnitsOfWork` behaves like the PostgreSQL unit of work (the same repository tests,
`repository_contract.py`, run on both): a transaction that raises leaves nothing behind,
events are published only on commit, a handled event is handled once.
"""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from uuid import UUID, uuid4

from frontdesk_contracts import Envelope, KeyPair, KeyRing, generate_key_pair
from frontdesk_notifications.adapters.mail import EmailComposer
from frontdesk_notifications.adapters.templates import EmailRenderer, LinkPaths
from frontdesk_notifications.domain.delivery import (
    Accepted,
    BackoffSchedule,
    Outcome,
    QueuedMessage,
    RateLimit,
    RecipientHistory,
    Sender,
    Status,
)
from frontdesk_notifications.domain.records import MessageRecord, SuppressedAddress
from frontdesk_notifications.domain.requests import EmailRequest
from frontdesk_notifications.domain.resends import ResendCandidate
from frontdesk_notifications.domain.settling import Settlement
from frontdesk_notifications.service_layer.deps import Deps
from frontdesk_notifications.service_layer.unit_of_work import BatchEffect, Effect
from frontdesk_testing.fakes import once_each


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Row:
    """One row of outgoing_messages."""

    id: UUID
    event_id: UUID
    event_type: str
    correlation_id: str
    kind: str
    template: str
    account_id: str
    studio_id: str | None
    recipient: str
    context: dict[str, Any]
    sealed_secrets: dict[str, Any] | None
    event_time: datetime
    expires_at: datetime | None
    superseded_by: UUID | None = None
    status: str = "queued"
    status_reason: str | None = None
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime = field(default_factory=_now)
    claimed_until: datetime | None = None
    claim_token: UUID | None = None
    created_at: datetime = field(default_factory=_now)
    updated_at: datetime = field(default_factory=_now)
    sent_at: datetime | None = None

    def queued(self) -> QueuedMessage:
        names = {f.name for f in fields(QueuedMessage)}
        values = {k: v for k, v in vars(self).items() if k in names}
        return QueuedMessage(**{**values, "sealed_secrets": self.sealed_secrets or {}})

    def record(self) -> MessageRecord:
        names = {f.name for f in fields(MessageRecord)}
        return MessageRecord(**{k: v for k, v in vars(self).items() if k in names})


@dataclass
class FakeStore:
    """What the database would hold."""

    rows: dict[UUID, Row] = field(default_factory=dict)
    suppressions: dict[str, SuppressedAddress] = field(default_factory=dict)
    resends: list[tuple[UUID, UUID, str, str]] = field(default_factory=list)
    handled: set[UUID] = field(default_factory=set)
    published: list[Envelope[Any]] = field(default_factory=list)

    def put(self, message: QueuedMessage, **columns: Any) -> Row:
        """Store `message` as a row (e.g. a message some test claims and delivers)."""
        row = Row(**{**vars(message), **columns})
        self.rows[row.id] = row
        return row

    def suppress(self, address: str) -> None:
        self.suppressions[address.lower()] = SuppressedAddress(
            address.lower(), "bounced", None, None, _now()
        )


class FakeMessageLog:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    async def add_all(self, messages: Sequence[tuple[UUID, EmailRequest, Envelope[Any]]]) -> None:
        for message_id, request, cause in messages:
            await self.add(message_id, request, cause)

    async def add(self, message_id: UUID, request: EmailRequest, cause: Envelope[Any]) -> None:
        rows = self._store.rows
        if message_id in rows or any(
            (r.event_id, r.kind) == (cause.id, request.kind) for r in rows.values()
        ):
            return
        sealed = {name: secret.model_dump() for name, secret in request.secrets.items()}
        rows[message_id] = Row(
            id=message_id,
            event_id=cause.id,
            event_type=cause.type,
            correlation_id=cause.correlation_id,
            kind=request.kind,
            template=request.template,
            account_id=request.account_id,
            studio_id=request.studio_id,
            recipient=request.recipient,
            context=json.loads(json.dumps(request.context)),  # stored as JSON, like jsonb
            sealed_secrets=json.loads(json.dumps(sealed)),
            event_time=cause.time,
            expires_at=request.expires_at,
        )

    async def supersede(self, old_event: UUID, new_event: UUID) -> None:
        for row in self._store.rows.values():
            if row.event_id == old_event and row.status == "queued":
                row.superseded_by = new_event

    async def claim_due(self, limit: int, lease_seconds: float) -> list[QueuedMessage]:
        now = _now()
        due = [
            r
            for r in self._store.rows.values()
            if r.status == "queued"
            and r.next_attempt_at <= now
            and (r.claimed_until is None or r.claimed_until < now)
        ]
        claimed, token = sorted(due, key=lambda r: r.next_attempt_at)[:limit], uuid4()
        for row in claimed:
            row.claimed_until, row.claim_token = now + timedelta(seconds=lease_seconds), token
        return [row.queued() for row in claimed]

    def _held(self, claim_token: UUID | None, message_ids: Sequence[UUID]) -> list[Row]:
        rows = (self._store.rows.get(message_id) for message_id in message_ids)
        return [
            r
            for r in rows
            if r is not None and r.status == "queued" and r.claim_token == claim_token
        ]

    async def renew(
        self, claim_token: UUID, message_ids: Sequence[UUID], lease_seconds: float
    ) -> set[UUID]:
        until = _now() + timedelta(seconds=lease_seconds)
        held = self._held(claim_token, message_ids)
        for row in held:
            row.claimed_until = until
        return {row.id for row in held}

    async def release(self, claim_token: UUID, message_ids: Sequence[UUID]) -> None:
        for row in self._held(claim_token, message_ids):
            row.claimed_until, row.claim_token = None, None

    async def recipient_history(
        self, message: QueuedMessage, window_seconds: int, *, newer_link_matters: bool
    ) -> RecipientHistory:
        since, rows = _now() - timedelta(seconds=window_seconds), self._store.rows.values()
        address = message.recipient.lower()
        return RecipientHistory(
            suppressed=address in self._store.suppressions,
            sent_in_window=sum(
                1
                for r in rows
                if r.recipient.lower() == address
                and r.status == "sent"
                and r.sent_at is not None
                and r.sent_at > since
            ),
            newer_link=newer_link_matters
            and any(
                (r.account_id, r.kind) == (message.account_id, message.kind)
                and r.event_time > message.event_time
                for r in rows
            ),
        )

    async def settle(self, message: QueuedMessage, settlement: Settlement) -> bool:
        held = self._held(message.claim_token, [message.id])
        if not held or message.claim_token is None:
            return False
        row, s, now = held[0], settlement, _now()
        row.attempts, row.claimed_until, row.claim_token = s.attempts, None, None
        row.updated_at = now
        if s.status is Status.SENT:
            row.status, row.sent_at, row.sealed_secrets, row.last_error = "sent", now, None, None
        elif s.status is Status.QUEUED:
            assert s.retry_at is not None
            row.last_error, row.next_attempt_at = s.error, s.retry_at
        else:
            row.status, row.status_reason, row.last_error = s.status.value, s.reason, s.error
            row.sealed_secrets = None
        return True

    async def find(
        self, *, recipient: str | None, account_id: str | None, event_id: UUID | None, limit: int
    ) -> list[MessageRecord]:
        found = [
            r
            for r in self._store.rows.values()
            if (recipient is None or r.recipient.lower() == recipient.lower())
            and (account_id is None or r.account_id == account_id)
            and (event_id is None or r.event_id == event_id)
        ]
        found.sort(key=lambda r: str(r.id))
        found.sort(key=lambda r: r.created_at, reverse=True)
        return [r.record() for r in found[:limit]]

    async def get(self, message_id: UUID) -> MessageRecord | None:
        row = self._store.rows.get(message_id)
        return None if row is None else row.record()


class FakeSuppressions:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    async def add(self, address: str, reason: str, detail: str | None, message_id: UUID) -> None:
        self._store.suppressions.setdefault(
            address.lower(), SuppressedAddress(address.lower(), reason, detail, message_id, _now())
        )

    async def list(self, address: str | None, limit: int) -> list[SuppressedAddress]:
        found = [
            s
            for s in self._store.suppressions.values()
            if address is None or s.address == address.lower()
        ]
        return sorted(found, key=lambda s: s.created_at, reverse=True)[:limit]

    async def lift(self, address: str) -> bool:
        return self._store.suppressions.pop(address.lower(), None) is not None


class FakeResends:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    async def lock_original(self, message_id: UUID) -> ResendCandidate | None:
        row = self._store.rows.get(message_id)
        if row is None:
            return None
        expired = row.expires_at is not None and row.expires_at <= _now()
        has_secrets = row.sealed_secrets is not None
        return ResendCandidate(row.id, row.kind, row.status, row.recipient, has_secrets, expired)

    async def copy(self, original_id: UUID, new_id: UUID, new_event_id: UUID) -> None:
        original, now = self._store.rows[original_id], _now()
        self._store.rows[new_id] = replace(
            copy.deepcopy(original),
            id=new_id,
            event_id=new_event_id,
            superseded_by=None,
            status="queued",
            status_reason=None,
            attempts=0,
            last_error=None,
            next_attempt_at=now,
            claimed_until=None,
            claim_token=None,
            created_at=now,
            updated_at=now,
            sent_at=None,
        )

    async def record(self, new_id: UUID, original_id: UUID, operator: str, reason: str) -> None:
        self._store.resends.append((new_id, original_id, operator, reason))


class FakeUnitOfWork:
    def __init__(self, store: FakeStore) -> None:
        self.messages = FakeMessageLog(store)
        self.suppressions = FakeSuppressions(store)
        self.resends = FakeResends(store)
        self.pending: list[Envelope[Any]] = []

    async def publish(self, event: Envelope[Any]) -> None:
        self.pending.append(event)


class FakeUnitsOfWork:
    """Units of work on a `FakeStore`: all or nothing, like a transaction. Set `down` to
    make every new transaction fail, as an unreachable database would."""

    def __init__(self, store: FakeStore | None = None) -> None:
        self.store = store or FakeStore()
        self.down = False

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[FakeUnitOfWork]:
        if self.down:
            raise ConnectionRefusedError("the fake database is down")
        saved = copy.deepcopy((self.store.rows, self.store.suppressions, self.store.resends))
        handled = set(self.store.handled)
        uow = FakeUnitOfWork(self.store)
        try:
            yield uow
        except BaseException:
            self.store.rows, self.store.suppressions, self.store.resends = saved
            self.store.handled = handled
            raise
        self.store.published.extend(uow.pending)

    async def once(self, event_id: UUID, effect: Effect) -> bool:
        if event_id in self.store.handled:
            return False
        async with self.transaction() as uow:
            self.store.handled.add(event_id)
            await effect(uow)
        return True

    async def once_each(
        self, events: Sequence[Envelope[Any]], effect: BatchEffect
    ) -> list[Envelope[Any]]:
        return await once_each(self.transaction, lambda _: self.store.handled, events, effect)


@dataclass
class FakeMailer:
    outcome: Outcome = field(default_factory=Accepted)
    sent: list[EmailMessage] = field(default_factory=list)

    async def send(self, email: EmailMessage, sender: str, recipient: str) -> Outcome:
        self.sent.append(email)
        return self.outcome


SENDER = Sender("noreply@frontdesk.test", "Frontdesk", "frontdesk.test")


def fake_deps(keys: KeyPair | None = None, **overrides: Any) -> Deps:
    """The use cases' dependencies on fakes; `deps.units.store` is what they wrote."""
    pair = keys or generate_key_pair("unit-1")
    renderer = EmailRenderer(LinkPaths(base_url="https://app.test"))
    values: dict[str, Any] = {
        "units": FakeUnitsOfWork(),
        "composer": EmailComposer(renderer, KeyRing.of(pair), SENDER),
        "mailer": FakeMailer(),
        "sender": SENDER,
        "backoff": BackoffSchedule(max_attempts=3, first_delay=1, max_delay=10),
        "rate_limit": RateLimit(per_recipient=5, window_seconds=3600),
        **overrides,
    }
    return Deps(**values)


def claimed(deps: Deps, message: QueuedMessage, lease_seconds: float = 60.0) -> QueuedMessage:
    """Store `message` as claimed under a fresh token (as `claim_due` would); the message
    as its claimer holds it."""
    token = uuid4()
    until = _now() + timedelta(seconds=lease_seconds)
    store_of(deps).put(message, claim_token=token, claimed_until=until)
    return replace(message, claim_token=token)


def store_of(deps: Deps) -> FakeStore:
    """What the fake units of work of `deps` hold."""
    assert isinstance(deps.units, FakeUnitsOfWork)
    return deps.units.store


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
