"""The unit of work the use cases depend on: one transaction over the message log, the
suppression list, ops' resends and the outbox. `adapters/unit_of_work.py` implements it
over PostgreSQL; the unit tests use in-memory fakes (the same repository tests run on
both)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol
from uuid import UUID

from frontdesk_contracts import Envelope

from ..domain.delivery import QueuedMessage, RecipientHistory
from ..domain.records import MessageRecord, SuppressedAddress
from ..domain.requests import EmailRequest
from ..domain.resends import ResendCandidate
from ..domain.settling import Settlement


class MessageLog(Protocol):
    """The outgoing-message log: one message per (event, kind of email)."""

    async def add_all(self, messages: Sequence[tuple[UUID, EmailRequest, Envelope[Any]]]) -> None:
        """Queue many messages (id, request, cause) at once; `add` for each."""
        ...

    async def add(self, message_id: UUID, request: EmailRequest, cause: Envelope[Any]) -> None:
        """Queue the message `cause` asks for; a replay of the same (event, kind) adds nothing."""
        ...

    async def supersede(self, old_event: UUID, new_event: UUID) -> None:
        """Mark the unsent messages of `old_event` as replaced by `new_event`'s."""
        ...

    async def claim_due(self, limit: int, lease_seconds: float) -> list[QueuedMessage]:
        """Claim up to `limit` due messages for `lease_seconds`, skipping others' claims;
        they share one fresh `claim_token`."""
        ...

    async def renew(
        self, claim_token: UUID, message_ids: Sequence[UUID], lease_seconds: float
    ) -> set[UUID]:
        """Extend by `lease_seconds` from now the lease of those of `message_ids` that
        `claim_token` still holds (queued, and claimed by nobody else since); their ids."""
        ...

    async def release(self, claim_token: UUID, message_ids: Sequence[UUID]) -> None:
        """Give the messages `claim_token` still holds back at once (on shutdown), rather
        than after the lease."""
        ...

    async def recipient_history(
        self, message: QueuedMessage, window_seconds: int, *, newer_link_matters: bool
    ) -> RecipientHistory:
        """Is the address suppressed, how much was sent to it lately, and (when it
        matters) did a newer message of the same account and kind replace this one."""
        ...

    async def settle(self, message: QueuedMessage, settlement: Settlement) -> bool:
        """Record what became of `message` if its claim still holds it (False: another
        claim does, nothing is recorded); a final status erases its sealed tokens."""
        ...

    async def find(
        self, *, recipient: str | None, account_id: str | None, event_id: UUID | None, limit: int
    ) -> list[MessageRecord]:
        """Messages matching every given filter, newest first."""
        ...

    async def get(self, message_id: UUID) -> MessageRecord | None:
        """One message, or None."""
        ...


class SuppressionList(Protocol):
    """The addresses nothing is sent to (lower-cased)."""

    async def add(self, address: str, reason: str, detail: str | None, message_id: UUID) -> None:
        """Suppress `address`; an address already suppressed keeps its first reason."""
        ...

    async def list(self, address: str | None, limit: int) -> list[SuppressedAddress]:
        """Suppressed addresses, newest first; `address` looks one up."""
        ...

    async def lift(self, address: str) -> bool:
        """Send to `address` again; False when it was not suppressed."""
        ...


class ResendLog(Protocol):
    """Ops' resends: copies of sent messages, and who asked for each."""

    async def lock_original(self, message_id: UUID) -> ResendCandidate | None:
        """The original's facts, locked until the transaction ends (None: unknown)."""
        ...

    async def copy(self, original_id: UUID, new_id: UUID, new_event_id: UUID) -> None:
        """Queue a copy of the original under a new id (and a new event id: the log keeps
        one message per event and kind)."""
        ...

    async def record(self, new_id: UUID, original_id: UUID, operator: str, reason: str) -> None:
        """Who asked for the resend, and why."""
        ...


class UnitOfWork(Protocol):
    """One transaction: what it reads and writes, and the events it commits with."""

    @property
    def messages(self) -> MessageLog: ...

    @property
    def suppressions(self) -> SuppressionList: ...

    @property
    def resends(self) -> ResendLog: ...

    async def publish(self, event: Envelope[Any]) -> None:
        """Queue `event`; it goes out only if the transaction commits (the outbox)."""
        ...


Effect = Callable[[UnitOfWork], Awaitable[None]]
BatchEffect = Callable[[UnitOfWork, list[Envelope[Any]]], Awaitable[None]]
"""What a batch of consumed events does (those not handled before), in one unit of work."""


class UnitsOfWork(Protocol):
    """Opens units of work."""

    def transaction(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A unit of work that commits when the block ends, and rolls back on error."""
        ...

    async def once(self, event_id: UUID, effect: Effect) -> bool:
        """Run `effect` in a unit of work unless event `event_id` was handled already (the
        handled-event row commits with the effect); True when it ran."""
        ...

    async def once_each(
        self, events: Sequence[Envelope[Any]], effect: BatchEffect
    ) -> list[Envelope[Any]]:
        """`once` for a batch, in one unit of work: `effect` gets the events not handled
        before, in order, each once; they are returned."""
        ...
