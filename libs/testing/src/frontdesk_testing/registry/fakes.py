"""The store and units of work in memory: the fake the unit tests wire the real use
cases to, held to the same repository contract as PostgreSQL (`repository_contract`).

A transaction works on a copy of the state and keeps it only when its block ends
without raising, like PostgreSQL's; there are no row locks (one caller at a time).
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from frontdesk_contracts import Envelope
from frontdesk_registry.domain.proposals import Merge, OpenProposal, Proposal, ProposalStatus
from frontdesk_registry.domain.records import ClientRecord, KnownStudio, StudioClient
from frontdesk_registry.service_layer.unit_of_work import BatchEffect, Effect
from frontdesk_testing.fakes import once_each


@dataclass
class Account:
    """What identity's events told the registry about one account."""

    verified_email: str | None = None
    first_login_at: datetime | None = None
    revoked_before: datetime | None = None


@dataclass
class State:
    """Everything the store holds, and the events published in committed transactions."""

    studios: dict[str, str] = field(default_factory=dict)
    records: dict[str, ClientRecord] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)
    proposals: dict[str, Proposal] = field(default_factory=dict)
    merges: dict[str, Merge] = field(default_factory=dict)
    handled: set[UUID] = field(default_factory=set)
    published: list[Envelope[Any]] = field(default_factory=list)


class MemoryStore:
    """The repository's behaviour over plain dicts."""

    def __init__(self, state: State) -> None:
        self.s = state

    def _account(self, account_id: str) -> Account:
        return self.s.accounts.setdefault(account_id, Account())

    def _first_login(self, account_id: str) -> datetime | None:
        return self.s.accounts.get(account_id, Account()).first_login_at

    def _proposals(self, account_id: str, record_id: str, status: ProposalStatus) -> list[Proposal]:
        return [
            p for p in self.s.proposals.values()
            if (p.account_id, p.client_record_id, p.status) == (account_id, record_id, status)
        ]  # fmt: skip

    async def save_studio_name(self, studio_id: str, name: str) -> None:
        """Remember a studio's display name for proposal previews."""
        self.s.studios[studio_id] = name

    async def add_record(self, r: ClientRecord) -> bool:
        """File a record; False when it was already filed (a replay)."""
        if r.client_record_id in self.s.records:
            return False
        self.s.records[r.client_record_id] = r
        return True

    async def add_records(self, records: Sequence[ClientRecord]) -> set[str]:
        """File many records; the ids of those not filed before."""
        return {r.client_record_id for r in records if await self.add_record(r)}

    async def record(self, record_id: str, *, lock: bool = False) -> ClientRecord | None:
        """A record by id."""
        return self.s.records.get(record_id)

    async def record_in_studio(self, studio_id: str, record_id: str) -> StudioClient | None:
        """A studio's record with its account's first login, or None."""
        r = self.s.records.get(record_id)
        if r is None or r.studio_id != studio_id:
            return None
        return StudioClient(r, self._first_login(r.account_id))

    async def search_records(
        self, studio_id: str, text: str | None, state: str | None, after: str | None, limit: int
    ) -> list[StudioClient]:
        """A page of a studio's records matching `text` and `state`, by record id."""
        found = []
        for r in sorted(self.s.records.values(), key=lambda r: r.client_record_id):
            client = StudioClient(r, self._first_login(r.account_id))
            haystack = " ".join([r.display_name, *r.emails]).lower()
            if r.studio_id != studio_id or (text and text.lower() not in haystack):
                continue
            if (state and client.access_state != state) or (after and r.client_record_id <= after):
                continue
            found.append(client)
        return found[:limit]

    async def save_record_link(self, r: ClientRecord) -> None:
        """Persist a record's account link and merge time."""
        self.s.records[r.client_record_id] = r

    async def save_verified_email(self, account_id: str, email: str, at: datetime) -> None:
        """Identity proved that `account_id` owns `email`."""
        self._account(account_id).verified_email = email

    async def save_first_login(self, account_id: str, at: datetime) -> None:
        """The account logged in for the first time at `at` (the earliest one counts)."""
        account = self._account(account_id)
        account.first_login_at = min(at, account.first_login_at or at)

    async def save_revocation(self, account_id: str, before: datetime) -> None:
        """Tokens of the account issued before `before` are dead (the latest one counts)."""
        account = self._account(account_id)
        account.revoked_before = max(before, account.revoked_before or before)

    async def revoked_before(self, account_id: str) -> datetime | None:
        """When the account's tokens were last revoked, if ever."""
        return self.s.accounts.get(account_id, Account()).revoked_before

    async def verified_email(self, account_id: str) -> str | None:
        """The address identity proved the account owns, if any."""
        return self.s.accounts.get(account_id, Account()).verified_email

    async def pending_proposal(self, account_id: str, record_id: str) -> Proposal | None:
        """The open proposal of this record to this account."""
        return next(iter(self._proposals(account_id, record_id, "pending")), None)

    async def declined_before(self, account_id: str, record_id: str) -> bool:
        """Whether the account once declined this record."""
        return bool(self._proposals(account_id, record_id, "declined"))

    async def add_proposal(self, p: Proposal) -> None:
        """Store a new proposal: unique by id, one open offer of a record to an account."""
        if p.proposal_id in self.s.proposals:
            raise ValueError(f"duplicate proposal {p.proposal_id}")
        if p.status == "pending" and self._proposals(p.account_id, p.client_record_id, "pending"):
            raise ValueError("the record is already offered to the account")  # a unique index
        self.s.proposals[p.proposal_id] = p

    async def save_proposal(self, p: Proposal) -> None:
        """Persist a proposal's status, reason, expiry and decision time."""
        self.s.proposals[p.proposal_id] = p

    async def proposal(
        self, account_id: str, proposal_id: str, *, lock: bool = False
    ) -> Proposal | None:
        """The account's proposal by id; None for anyone else's."""
        p = self.s.proposals.get(proposal_id)
        return p if p is not None and p.account_id == account_id else None

    async def other_pending_proposals(self, record_id: str, proposal_id: str) -> list[Proposal]:
        """Every other open proposal of the record, by proposal id."""
        return sorted(
            (p for p in self.s.proposals.values()
             if p.client_record_id == record_id and p.status == "pending"
             and p.proposal_id != proposal_id),
            key=lambda p: p.proposal_id,
        )  # fmt: skip

    async def due_proposals(self, now: datetime, limit: int) -> list[Proposal]:
        """Open proposals whose time ran out, the longest overdue first."""
        due = [p for p in self.s.proposals.values() if p.status == "pending" and p.is_expired(now)]
        return sorted(due, key=lambda p: p.expires_at)[:limit]

    async def records_of_account(self, account_id: str) -> list[KnownStudio]:
        """Every studio record linked to the account, with studio names."""
        mine = [r for r in self.s.records.values() if r.account_id == account_id]
        ordered = sorted(mine, key=lambda r: (r.studio_id, r.client_record_id))
        return [KnownStudio(r, self.s.studios.get(r.studio_id)) for r in ordered]

    async def proposal_previews(self, account_id: str, now: datetime) -> list[OpenProposal]:
        """The account's open proposals with what the preview shows of each record."""
        previews = []
        mine = [p for p in self.s.proposals.values() if p.account_id == account_id]
        for p in sorted(mine, key=lambda p: (p.created_at, p.proposal_id)):
            if p.status != "pending" or p.is_expired(now):
                continue
            studio_name = self.s.studios.get(p.studio_id)
            r = self.s.records.get(p.client_record_id)
            if r is None:  # the record has not arrived yet
                previews.append(OpenProposal(p, studio_name, None, None, None))
            else:
                previews.append(OpenProposal(p, studio_name, r.given_name, r.family_name, r.phone))
        return previews

    async def add_merge(self, m: Merge) -> None:
        """Write one merge into the history; a second merge of a record is refused (the
        database's unique index)."""
        if any(x.client_record_id == m.client_record_id for x in self.s.merges.values()):
            raise ValueError(f"the record {m.client_record_id} was merged already")
        self.s.merges[m.merge_id] = m

    async def merge_of_proposal(self, proposal_id: str) -> Merge | None:
        """The merge a confirmed proposal made."""
        return next((m for m in self.s.merges.values() if m.proposal_id == proposal_id), None)

    async def merges_of(self, record_id: str) -> list[Merge]:
        """The record's whole merge history, oldest first."""
        mine = [m for m in self.s.merges.values() if m.client_record_id == record_id]
        return sorted(mine, key=lambda m: (m.merged_at, m.merge_id))


class MemoryUnitOfWork:
    """A transaction over a copy of the state."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.store = MemoryStore(state)

    async def publish(self, event: Envelope[Any]) -> None:
        """Queue `event`; it counts as published when the transaction commits."""
        self.state.published.append(event)

    async def publish_all(self, events: Sequence[Envelope[Any]]) -> None:
        """Queue many events, in order."""
        self.state.published.extend(events)


class MemoryUnitsOfWork:
    """Units of work over one in-memory state: all or nothing."""

    def __init__(self) -> None:
        self.state = State()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[MemoryUnitOfWork]:
        """One transaction; commits when the block ends, rolls back if it raises."""
        work = MemoryUnitOfWork(copy.deepcopy(self.state))
        yield work
        self.state = work.state  # reached only when the block did not raise: commit

    async def once(self, event_id: UUID, effect: Effect) -> bool:
        """Run `effect` unless this event was handled (the mark commits with it)."""
        if event_id in self.state.handled:
            return False
        async with self.transaction() as work:
            work.state.handled.add(event_id)
            await effect(work)
        return True

    async def once_each(
        self, events: Sequence[Envelope[Any]], effect: BatchEffect
    ) -> list[Envelope[Any]]:
        """Like the kit's `once_each`: one transaction, each event id handled once."""
        return await once_each(self.transaction, lambda work: work.state.handled, events, effect)
