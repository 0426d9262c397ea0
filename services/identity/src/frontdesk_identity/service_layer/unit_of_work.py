"""The ports the use cases depend on: a unit of work (one transaction over identity's
repositories and the outbox) and what opens one. PostgreSQL implements them in
`adapters/`; the unit tests use in-memory fakes (tests/fakes.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from frontdesk_contracts import Envelope

from ..domain.accounts import Account
from ..domain.audit import AuditEntry
from ..domain.deliveries import EmailState
from ..domain.sessions import RefreshToken
from ..domain.tokens import Purpose, StoredToken


class Accounts(Protocol):
    """Accounts and their addresses."""

    async def get(self, account_id: str, *, lock: bool = False) -> Account | None:
        """The account `account_id`, locked for update when `lock`."""
        ...

    async def by_external_id(self, studio_id: str, external_client_id: str) -> Account | None:
        """The studio's account for an importing system's client id."""
        ...

    async def by_username(self, username: str) -> Account | None:
        """The account whose username is `username` (case-insensitive)."""
        ...

    async def by_email(self, email: str) -> list[Account]:
        """Live (not merged) accounts holding `email` (case-insensitive), oldest first."""
        ...

    async def add(self, account: Account) -> bool:
        """Insert `account`; False if its (studio, external id) exists. A username taken
        meanwhile raises `UsernameTaken`."""
        ...

    async def add_all(self, accounts: Sequence[Account]) -> set[str]:
        """Insert many accounts at once (an import); the ids of those inserted, i.e. not
        already held under their (studio, external id), the first of a repeated one."""
        ...

    async def save(self, account: Account) -> None:
        """Write back the mutable fields of `account` (`UsernameTaken` on a clash)."""
        ...

    async def mark_proven(self, account_id: str, email: str, now: datetime) -> None:
        """Note that the client proved `email` now (used a link or code sent to it)."""
        ...

    async def username_taken(self, username: str, by_other_than: str = "") -> bool:
        """Whether another account already uses `username`."""
        ...


class Tokens(Protocol):
    """One-time link tokens, kept as digests."""

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
        """Store a new token's digest (never the token)."""
        ...

    async def supersede(self, account_id: str, purpose: Purpose, now: datetime) -> UUID | None:
        """End every live token of this purpose; the id of the newest one ended, if any."""
        ...

    async def end_all(self, account_ids: list[str], now: datetime, because: str) -> None:
        """End every live token of these accounts (password changed, merged away)."""
        ...

    async def find(
        self, digest: bytes, purpose: Purpose, *, lock: bool = False
    ) -> StoredToken | None:
        """The token with this digest and purpose."""
        ...

    async def live_codes(self, email_key: str, now: datetime) -> list[tuple[str, bytes]]:
        """(token id, code digest) of the live verification codes sent to an address."""
        ...

    async def get(self, token_id: str) -> StoredToken | None:
        """The token by id."""
        ...

    async def count_failed_attempts(self, token_ids: list[str], limit: int, now: datetime) -> None:
        """Count a wrong code against these tokens; the limit-th wrong code ends them."""
        ...

    async def spend(self, token_id: str, now: datetime) -> None:
        """Mark a token used: it never works again."""
        ...


class Sessions(Protocol):
    """Sessions and their rotating refresh tokens."""

    async def start(self, session_id: UUID, account_id: str, now: datetime) -> None:
        """Open a session."""
        ...

    async def add_refresh(self, digest: bytes, session_id: UUID, expires_at: datetime) -> None:
        """Store a refresh token's digest for a session."""
        ...

    async def refresh_for_update(self, digest: bytes) -> RefreshToken | None:
        """The refresh token with its session, locked."""
        ...

    async def use_refresh(self, digest: bytes, now: datetime) -> None:
        """Mark a refresh token used (rotation: each works once)."""
        ...

    async def end(self, session_id: UUID, now: datetime) -> None:
        """End one session (logout, or refresh-token reuse)."""
        ...

    async def end_all(self, account_ids: list[str], now: datetime) -> None:
        """End every session of these accounts."""
        ...

    async def is_live(self, session_id: UUID) -> bool:
        """Whether the session has not ended."""
        ...


class Rates(Protocol):
    """Counted acts (emails asked for, failed logins) per kind and scope."""

    async def count(self, kind: str, scope: str, now: datetime, window_seconds: float) -> int:
        """Acts of `kind` in `scope` during the window ending now."""
        ...

    async def last(
        self, kind: str, scope: str, now: datetime, window_seconds: float
    ) -> datetime | None:
        """When the latest act in the window happened, if any."""
        ...

    async def first(
        self, kind: str, scope: str, now: datetime, window_seconds: float
    ) -> datetime | None:
        """When the oldest act still in the window happened, if any."""
        ...

    async def record(self, kind: str, scope: str, now: datetime) -> None:
        """Count one act."""
        ...

    async def clear(self, kind: str, scope: str) -> None:
        """Forget the acts of `kind` in `scope` (a successful login clears its failures)."""
        ...


class Audit(Protocol):
    """The append-only trail of admin actions."""

    async def record(self, entry: AuditEntry) -> None:
        """Append one admin action and its outcome."""
        ...


class Studios(Protocol):
    """The last known display name of each studio."""

    async def remember(self, studio_id: str, name: str) -> None:
        """Store `name` as the studio's last known name."""
        ...

    async def name(self, studio_id: str) -> str | None:
        """The studio's last known name, if one was ever given."""
        ...


class Deliveries(Protocol):
    """The latest state of each email sent to an account."""

    async def record(self, account_id: str, email: EmailState) -> None:
        """Record a message's newest state (an older report never overwrites a newer one)."""
        ...

    async def latest(self, account_id: str, limit: int = 10) -> list[EmailState]:
        """The account's most recent messages, newest first."""
        ...


class DeferredRequests(Protocol):
    """Anonymous requests answered and not yet carried out (see `service_layer.deferred`)."""

    async def add(
        self, request_id: UUID, kind: str, request: dict[str, Any], received_at: datetime
    ) -> None:
        """Keep a request until its work is done."""
        ...

    async def take(self, request_id: UUID) -> tuple[str, dict[str, Any]] | None:
        """The request's (kind, fields), locked until the transaction ends; None when it
        was carried out already or another transaction holds it."""
        ...

    async def remove(self, request_id: UUID) -> None:
        """Forget a request: its work is done (or given up)."""
        ...

    async def received_before(self, moment: datetime, limit: int) -> list[UUID]:
        """Up to `limit` requests still kept that arrived before `moment`, oldest first."""
        ...


class UnitOfWork(Protocol):
    """One transaction: the repositories it reads and writes, and the events it commits."""

    @property
    def accounts(self) -> Accounts: ...
    @property
    def tokens(self) -> Tokens: ...
    @property
    def sessions(self) -> Sessions: ...
    @property
    def rates(self) -> Rates: ...
    @property
    def audit(self) -> Audit: ...
    @property
    def studios(self) -> Studios: ...
    @property
    def deliveries(self) -> Deliveries: ...
    @property
    def deferred(self) -> DeferredRequests: ...

    async def publish(self, event: Envelope[Any]) -> None:
        """Queue `event`; it goes out only if the transaction commits (the outbox)."""
        ...

    async def publish_all(self, events: Sequence[Envelope[Any]]) -> None:
        """Queue many events at once, in order (the outbox)."""
        ...


Effect = Callable[[UnitOfWork], Awaitable[None]]
"""What a consumed event does, inside the unit of work that records it as handled."""
BatchEffect = Callable[[UnitOfWork, list[Envelope[Any]]], Awaitable[None]]
"""What a batch of consumed events does (those not handled before), in one unit of work."""


class UnitsOfWork(Protocol):
    """Opens units of work."""

    def transaction(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A unit of work that commits when the block ends, and rolls back on error."""
        ...

    async def once(self, event_id: UUID, effect: Effect) -> bool:
        """Run `effect` in a unit of work unless event `event_id` was handled already
        (the handled-event row commits with the effect); True if it ran."""
        ...

    async def once_each(
        self, events: Sequence[Envelope[Any]], effect: BatchEffect
    ) -> list[Envelope[Any]]:
        """`once` for a batch, in one unit of work: `effect` gets the events not handled
        before, in order, each once; they are returned."""
        ...
