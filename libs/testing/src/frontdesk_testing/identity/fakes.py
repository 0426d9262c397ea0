"""In-memory stand-ins for identity's repositories, with transactions that roll back:
`FakeUnitsOfWork` implements the service layer's `UnitsOfWork`, `FakeUnitOfWork` its
`UnitOfWork` (tests/integration/identity/test_repositories.py holds them to PostgreSQL).

Imported by identity's unit tests and by the integration tier's repository tests.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from frontdesk_contracts import Envelope
from frontdesk_identity.domain.accounts import Account, email_key, username_key
from frontdesk_identity.domain.audit import AuditEntry
from frontdesk_identity.domain.deliveries import EmailState
from frontdesk_identity.domain.errors import UsernameTaken
from frontdesk_identity.domain.sessions import RefreshToken
from frontdesk_identity.domain.tokens import Purpose, StoredToken
from frontdesk_identity.service_layer.unit_of_work import (
    BatchEffect,
    Effect,
    UnitOfWork,
    UnitsOfWork,
)
from frontdesk_testing.fakes import once_each


@dataclass
class State:
    """Everything the fake database holds."""

    accounts: dict[str, Account] = field(default_factory=dict)
    tokens: dict[str, tuple[StoredToken, bytes, bytes | None]] = field(default_factory=dict)
    sessions: dict[UUID, dict[str, Any]] = field(default_factory=dict)
    refresh: dict[bytes, dict[str, Any]] = field(default_factory=dict)
    rates: list[tuple[str, str, datetime]] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)
    deliveries: dict[str, tuple[str, EmailState]] = field(default_factory=dict)
    studios: dict[str, str] = field(default_factory=dict)
    deferred: dict[UUID, tuple[str, dict[str, Any], datetime]] = field(default_factory=dict)
    published: list[Envelope[Any]] = field(default_factory=list)
    handled: set[UUID] = field(default_factory=set)


class FakeAccounts:
    def __init__(self, state: State) -> None:
        self.s = state

    async def get(self, account_id: str, *, lock: bool = False) -> Account | None:
        found = self.s.accounts.get(account_id)
        return copy.deepcopy(found)

    async def by_external_id(self, studio_id: str, external_id: str) -> Account | None:
        for a in self.s.accounts.values():
            if (a.studio_id, a.external_client_id) == (studio_id, external_id):
                return copy.deepcopy(a)
        return None

    async def by_username(self, username: str) -> Account | None:
        for a in self.s.accounts.values():
            if a.username and username_key(a.username) == username_key(username):
                return copy.deepcopy(a)
        return None

    async def by_email(self, email: str) -> list[Account]:
        return [
            copy.deepcopy(a)
            for a in self.s.accounts.values()
            if a.merged_into is None and email_key(email) in map(email_key, a.emails)
        ]

    async def add(self, account: Account) -> bool:
        if account.external_client_id and await self.by_external_id(
            account.studio_id or "", account.external_client_id
        ):
            return False
        await self.save(account)
        return True

    async def add_all(self, accounts: Sequence[Account]) -> set[str]:
        return {account.id for account in accounts if await self.add(account)}

    async def save(self, account: Account) -> None:
        if account.username and await self.username_taken(account.username, account.id):
            raise UsernameTaken("choose another username")  # the unique index
        self.s.accounts[account.id] = copy.deepcopy(account)

    async def mark_proven(self, account_id: str, email: str, now: datetime) -> None:
        account = self.s.accounts[account_id]
        known = [e for e in account.emails if email_key(e) == email_key(email)]
        account.proven_emails = known + [
            p for p in account.proven_emails if email_key(p) != email_key(email)
        ]

    async def username_taken(self, username: str, by_other_than: str = "") -> bool:
        found = await self.by_username(username)
        return found is not None and found.id != by_other_than


class FakeTokens:
    def __init__(self, state: State) -> None:
        self.s = state

    async def add(
        self,
        token_id: UUID,
        account_id: str,
        purpose: Purpose,
        digest: bytes,
        email: str,
        created_at: datetime,
        expires_at: datetime,
        code_digest: bytes | None = None,
    ) -> None:
        token = StoredToken(str(token_id), account_id, purpose, email, expires_at, None, None, None)
        self.s.tokens[str(token_id)] = (token, digest, code_digest)

    def _live(self, account_ids: list[str], purpose: str | None = None) -> list[StoredToken]:
        return [
            t
            for t, _, _ in self.s.tokens.values()
            if t.account_id in account_ids
            and (purpose is None or t.purpose == purpose)
            and t.used_at is None
            and t.ended_at is None
        ]

    def _update(self, token: StoredToken, **changes: Any) -> None:
        _, digest, code = self.s.tokens[token.id]
        self.s.tokens[token.id] = (replace(token, **changes), digest, code)

    async def supersede(self, account_id: str, purpose: Purpose, now: datetime) -> UUID | None:
        live = self._live([account_id], purpose)
        for token in live:
            self._update(token, ended_at=now, ended_because="superseded")
        return max((UUID(t.id) for t in live), default=None)

    async def end_all(self, account_ids: list[str], now: datetime, because: str) -> None:
        for token in self._live(account_ids):
            self._update(token, ended_at=now, ended_because=because)

    async def find(
        self, digest: bytes, purpose: Purpose, *, lock: bool = False
    ) -> StoredToken | None:
        for token, stored, _ in self.s.tokens.values():
            if stored == digest and token.purpose == purpose:
                return token
        return None

    async def live_codes(self, key: str, now: datetime) -> list[tuple[str, bytes]]:
        return [
            (t.id, code)
            for t, _, code in self.s.tokens.values()
            if t.purpose == "email_verification"
            and email_key(t.email) == key
            and t.used_at is None
            and t.ended_at is None
            and t.expires_at > now
            and code is not None
        ]

    async def get(self, token_id: str) -> StoredToken | None:
        return self.s.tokens[token_id][0] if token_id in self.s.tokens else None

    async def count_failed_attempts(self, token_ids: list[str], limit: int, now: datetime) -> None:
        for token_id in token_ids:
            token = self.s.tokens[token_id][0]
            attempts = token.code_attempts + 1
            ended = now if attempts >= limit else token.ended_at
            self._update(token, code_attempts=attempts, ended_at=ended)

    async def spend(self, token_id: str, now: datetime) -> None:
        self._update(self.s.tokens[token_id][0], used_at=now)


class FakeSessions:
    def __init__(self, state: State) -> None:
        self.s = state

    async def start(self, session_id: UUID, account_id: str, now: datetime) -> None:
        self.s.sessions[session_id] = {"account_id": account_id, "ended_at": None}

    async def add_refresh(self, digest: bytes, session_id: UUID, expires_at: datetime) -> None:
        self.s.refresh[digest] = {
            "session_id": session_id,
            "expires_at": expires_at,
            "used_at": None,
        }

    async def refresh_for_update(self, digest: bytes) -> RefreshToken | None:
        row = self.s.refresh.get(digest)
        if row is None:
            return None
        session = self.s.sessions[row["session_id"]]
        return RefreshToken(
            row["session_id"],
            session["account_id"],
            row["expires_at"],
            row["used_at"],
            session["ended_at"],
        )

    async def use_refresh(self, digest: bytes, now: datetime) -> None:
        self.s.refresh[digest]["used_at"] = now

    async def end(self, session_id: UUID, now: datetime) -> None:
        self.s.sessions[session_id]["ended_at"] = now

    async def end_all(self, account_ids: list[str], now: datetime) -> None:
        for session in self.s.sessions.values():
            if session["account_id"] in account_ids and session["ended_at"] is None:
                session["ended_at"] = now

    async def is_live(self, session_id: UUID) -> bool:
        session = self.s.sessions.get(session_id)
        return session is not None and session["ended_at"] is None


class FakeRates:
    def __init__(self, state: State) -> None:
        self.s = state

    def _within(self, kind: str, scope: str, now: datetime, window: float) -> list[datetime]:
        since = now - timedelta(seconds=window)
        return [at for k, sc, at in self.s.rates if (k, sc) == (kind, scope) and at > since]

    async def count(self, kind: str, scope: str, now: datetime, window_seconds: float) -> int:
        return len(self._within(kind, scope, now, window_seconds))

    async def last(
        self, kind: str, scope: str, now: datetime, window_seconds: float
    ) -> datetime | None:
        return max(self._within(kind, scope, now, window_seconds), default=None)

    async def first(
        self, kind: str, scope: str, now: datetime, window_seconds: float
    ) -> datetime | None:
        return min(self._within(kind, scope, now, window_seconds), default=None)

    async def record(self, kind: str, scope: str, now: datetime) -> None:
        self.s.rates.append((kind, scope, now))

    async def clear(self, kind: str, scope: str) -> None:
        self.s.rates = [r for r in self.s.rates if (r[0], r[1]) != (kind, scope)]


class FakeAudit:
    def __init__(self, state: State) -> None:
        self.s = state

    async def record(self, entry: AuditEntry) -> None:
        self.s.audit.append(entry)


class FakeStudios:
    def __init__(self, state: State) -> None:
        self.s = state

    async def remember(self, studio_id: str, name: str) -> None:
        self.s.studios[studio_id] = name

    async def name(self, studio_id: str) -> str | None:
        return self.s.studios.get(studio_id)


class FakeDeliveries:
    def __init__(self, state: State) -> None:
        self.s = state

    async def record(self, account_id: str, email: EmailState) -> None:
        known = self.s.deliveries.get(email.message_id)
        if known is None or known[1].at <= email.at:  # an older report never wins
            self.s.deliveries[email.message_id] = (known[0] if known else account_id, email)

    async def latest(self, account_id: str, limit: int = 10) -> list[EmailState]:
        mine = [email for owner, email in self.s.deliveries.values() if owner == account_id]
        return sorted(mine, key=lambda e: e.at, reverse=True)[:limit]


class FakeDeferred:
    """Kept requests (no row locks: one transaction at a time here)."""

    def __init__(self, state: State) -> None:
        self.s = state

    async def add(
        self, request_id: UUID, kind: str, request: dict[str, Any], received_at: datetime
    ) -> None:
        self.s.deferred[request_id] = (kind, copy.deepcopy(request), received_at)

    async def take(self, request_id: UUID) -> tuple[str, dict[str, Any]] | None:
        kept = self.s.deferred.get(request_id)
        return None if kept is None else (kept[0], copy.deepcopy(kept[1]))

    async def remove(self, request_id: UUID) -> None:
        self.s.deferred.pop(request_id, None)

    async def received_before(self, moment: datetime, limit: int) -> list[UUID]:
        kept = sorted(self.s.deferred.items(), key=lambda item: item[1][2])
        return [request_id for request_id, (_, _, at) in kept if at < moment][:limit]


class FakeUnitOfWork:
    def __init__(self, state: State) -> None:
        self.state = state
        self.accounts = FakeAccounts(state)
        self.tokens = FakeTokens(state)
        self.sessions = FakeSessions(state)
        self.rates = FakeRates(state)
        self.audit = FakeAudit(state)
        self.studios = FakeStudios(state)
        self.deliveries = FakeDeliveries(state)
        self.deferred = FakeDeferred(state)

    async def publish(self, event: Envelope[Any]) -> None:
        self.state.published.append(event)

    async def publish_all(self, events: Sequence[Envelope[Any]]) -> None:
        self.state.published.extend(events)


class FakeUnitsOfWork:
    """Transactions over in-memory state: committed on success, rolled back on error."""

    def __init__(self) -> None:
        self.state = State()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        snapshot = copy.deepcopy(self.state)
        try:
            yield FakeUnitOfWork(self.state)
        except BaseException:
            self.state.__dict__.update(snapshot.__dict__)
            raise

    async def once(self, event_id: UUID, effect: Effect) -> bool:
        """Like the kit's ledger: the handled mark rolls back with a failed effect."""
        if event_id in self.state.handled:
            return False
        async with self.transaction() as uow:
            self.state.handled.add(event_id)
            await effect(uow)
        return True

    async def once_each(
        self, events: Sequence[Envelope[Any]], effect: BatchEffect
    ) -> list[Envelope[Any]]:
        """Like the kit's `once_each`: one transaction, each event id handled once."""
        return await once_each(self.transaction, lambda _: self.state.handled, events, effect)

    def types(self) -> list[str]:
        """The types of the events committed so far."""
        return [e.type for e in self.state.published]


def _implements_the_ports() -> UnitsOfWork:
    """Checked by mypy: the fakes are the service layer's ports."""
    return FakeUnitsOfWork()
