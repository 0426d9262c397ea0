"""What the use cases depend on: a unit of work (one transaction: the store and the
outbox), the store of records, proposals and merges, and the `Registry` holding them
with the clock. PostgreSQL implements the ports (`adapters/repository.py` and
`adapters/unit_of_work.py`), memory too (`frontdesk_testing.registry.fakes`, the unit
tests' fake)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from frontdesk_contracts import Envelope
from frontdesk_registry.domain.proposals import Merge, OpenProposal, Proposal
from frontdesk_registry.domain.records import ClientRecord, KnownStudio, StudioClient


class Store(Protocol):
    """Client records, accounts, proposals and merges, inside one transaction."""

    async def save_studio_name(self, studio_id: str, name: str) -> None:
        """Remember a studio's display name for proposal previews."""
        ...

    async def add_record(self, r: ClientRecord) -> bool:
        """File a record; False when it was already filed (a replay)."""
        ...

    async def add_records(self, records: Sequence[ClientRecord]) -> set[str]:
        """File many records at once; the ids of those not filed before."""
        ...

    async def record(self, record_id: str, *, lock: bool = False) -> ClientRecord | None:
        """A record by id; `lock` holds it until the transaction ends."""
        ...

    async def record_in_studio(self, studio_id: str, record_id: str) -> StudioClient | None:
        """A studio's record with its account's first login, or None."""
        ...

    async def search_records(
        self, studio_id: str, text: str | None, state: str | None, after: str | None, limit: int
    ) -> list[StudioClient]:
        """A page of a studio's records matching `text` and `state`, by record id."""
        ...

    async def save_record_link(self, r: ClientRecord) -> None:
        """Persist a record's account link and merge time (the only fields a merge changes)."""
        ...

    async def save_verified_email(self, account_id: str, email: str, at: datetime) -> None:
        """Identity proved that `account_id` owns `email`."""
        ...

    async def save_first_login(self, account_id: str, at: datetime) -> None:
        """The account logged in for the first time at `at`."""
        ...

    async def save_revocation(self, account_id: str, before: datetime) -> None:
        """Tokens of the account issued before `before` are dead."""
        ...

    async def revoked_before(self, account_id: str) -> datetime | None:
        """When the account's tokens were last revoked, if ever."""
        ...

    async def verified_email(self, account_id: str) -> str | None:
        """The address identity proved the account owns (SignupCompleted), if any."""
        ...

    async def pending_proposal(self, account_id: str, record_id: str) -> Proposal | None:
        """The open proposal of this record to this account, locked."""
        ...

    async def declined_before(self, account_id: str, record_id: str) -> bool:
        """Whether the account once declined this record."""
        ...

    async def add_proposal(self, p: Proposal) -> None:
        """Store a new proposal."""
        ...

    async def save_proposal(self, p: Proposal) -> None:
        """Persist a proposal's status, reason, expiry and decision time."""
        ...

    async def proposal(
        self, account_id: str, proposal_id: str, *, lock: bool = False
    ) -> Proposal | None:
        """The account's proposal by id; None for anyone else's."""
        ...

    async def other_pending_proposals(self, record_id: str, proposal_id: str) -> list[Proposal]:
        """Every other open proposal of the record, locked (to withdraw them)."""
        ...

    async def due_proposals(self, now: datetime, limit: int) -> list[Proposal]:
        """Open proposals whose time ran out, locked; others' sweeps skip them."""
        ...

    async def records_of_account(self, account_id: str) -> list[KnownStudio]:
        """Every studio record linked to the account (merged ones too), with studio names."""
        ...

    async def proposal_previews(self, account_id: str, now: datetime) -> list[OpenProposal]:
        """The account's open proposals with what the preview shows of each record."""
        ...

    async def add_merge(self, m: Merge) -> None:
        """Write one merge into the history."""
        ...

    async def merge_of_proposal(self, proposal_id: str) -> Merge | None:
        """The merge a confirmed proposal made."""
        ...

    async def merges_of(self, record_id: str) -> list[Merge]:
        """The record's whole merge history, oldest first."""
        ...


class UnitOfWork(Protocol):
    """One transaction: what it reads and writes, and the events it commits with."""

    @property
    def store(self) -> Store:
        """The records, proposals and merges, read and written in this transaction."""
        ...

    async def publish(self, event: Envelope[Any]) -> None:
        """Queue `event`; it goes out only if the transaction commits (the outbox)."""
        ...

    async def publish_all(self, events: Sequence[Envelope[Any]]) -> None:
        """Queue many events at once, in order (the outbox)."""
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
        """Run `effect` in a unit of work unless event `event_id` was handled already."""
        ...

    async def once_each(
        self, events: Sequence[Envelope[Any]], effect: BatchEffect
    ) -> list[Envelope[Any]]:
        """`once` for a batch, in one unit of work: `effect` gets the events not handled
        before, in order, each once; they are returned."""
        ...


def utc_now() -> datetime:
    """The current time in UTC (the default clock)."""
    return datetime.now(UTC)


@dataclass
class Registry:
    """What every use case needs; built once by bootstrap (with fakes in unit tests)."""

    units: UnitsOfWork
    proposal_lifetime: timedelta
    clock: Callable[[], datetime] = utc_now
