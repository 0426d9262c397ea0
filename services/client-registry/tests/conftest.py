"""Unit-test helpers for client-registry: settings, keys, and in-memory fakes of the
units of work wired to the real use cases through bootstrap. No servers."""

from __future__ import annotations

import copy
import dataclasses
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from frontdesk_contracts import Envelope
from frontdesk_registry.bootstrap import bootstrap
from frontdesk_registry.domain.proposals import Merge, Proposal
from frontdesk_registry.domain.records import ClientRecord
from frontdesk_registry.handlers import Registry
from frontdesk_registry.settings import RegistrySettings


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Any]:
    """Fresh Ed25519 key pairs for identity and the gateway, public halves as PEM files."""
    made: dict[str, Any] = {}
    for name in ("identity", "gateway"):
        private = Ed25519PrivateKey.generate()
        pem = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        (tmp_path / f"{name}.pem").write_bytes(pem)
        made[name] = private
        made[f"{name}_pem"] = tmp_path / f"{name}.pem"
    return made


@pytest.fixture
def settings(keys: dict[str, Any]) -> RegistrySettings:
    """Settings good enough to build (not start) the app."""
    return RegistrySettings(
        environment="test",
        database_url="postgresql://u@db.invalid/registry",
        kafka_bootstrap_servers="kafka.invalid:9092",
        identity_public_key_file=keys["identity_pem"],
        gateway_public_key_file=keys["gateway_pem"],
    )


@dataclass
class State:
    """Everything the fake store holds; copied per transaction, kept only on commit."""

    studios: dict[str, str] = field(default_factory=dict)
    records: dict[str, ClientRecord] = field(default_factory=dict)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    proposals: dict[str, Proposal] = field(default_factory=dict)
    merges: dict[str, Merge] = field(default_factory=dict)
    handled: set[UUID] = field(default_factory=set)
    published: list[Envelope[Any]] = field(default_factory=list)


class FakeStore:
    """The repository's behaviour over plain dicts (no locks: unit tests run one at a time)."""

    def __init__(self, state: State) -> None:
        self.s = state

    async def save_studio_name(self, studio_id: str, name: str) -> None:
        self.s.studios[studio_id] = name

    async def add_record(self, r: ClientRecord) -> bool:
        if r.client_record_id in self.s.records:
            return False
        self.s.records[r.client_record_id] = r
        return True

    async def record(self, record_id: str, *, lock: bool = False) -> ClientRecord | None:
        return self.s.records.get(record_id)

    async def record_in_studio(self, studio_id: str, record_id: str):  # type: ignore[no-untyped-def]
        r = self.s.records.get(record_id)
        if r is None or r.studio_id != studio_id:
            return None
        return r, self._first_login(r.account_id)

    async def search_records(self, studio_id, text, state, after, limit):  # type: ignore[no-untyped-def]
        found = []
        for r in sorted(self.s.records.values(), key=lambda r: r.client_record_id):
            first_login = self._first_login(r.account_id)
            haystack = " ".join([r.display_name, *r.emails]).lower()
            if r.studio_id != studio_id or (text and text.lower() not in haystack):
                continue
            if (state and r.access_state(first_login) != state) or (
                after and r.client_record_id <= after
            ):
                continue
            found.append((r, first_login))
        return found[:limit]

    def _first_login(self, account_id: str) -> datetime | None:
        return self.s.accounts.get(account_id, {}).get("first_login_at")

    async def save_record_link(self, r: ClientRecord) -> None:
        self.s.records[r.client_record_id] = r

    async def save_verified_email(self, account_id: str, email: str, at: datetime) -> None:
        self.s.accounts.setdefault(account_id, {})["verified_email"] = email

    async def save_first_login(self, account_id: str, at: datetime) -> None:
        account = self.s.accounts.setdefault(account_id, {})
        account["first_login_at"] = min(at, account.get("first_login_at") or at)

    async def save_revocation(self, account_id: str, before: datetime) -> None:
        account = self.s.accounts.setdefault(account_id, {})
        account["revoked_before"] = max(before, account.get("revoked_before") or before)

    async def revoked_before(self, account_id: str) -> datetime | None:
        return self.s.accounts.get(account_id, {}).get("revoked_before")

    async def verified_email(self, account_id: str) -> str | None:
        return self.s.accounts.get(account_id, {}).get("verified_email")

    async def pending_proposal(self, account_id: str, record_id: str) -> Proposal | None:
        return next(iter(self._proposals(account_id, record_id, "pending")), None)

    async def declined_before(self, account_id: str, record_id: str) -> bool:
        return bool(self._proposals(account_id, record_id, "declined"))

    def _proposals(self, account_id: str, record_id: str, status: str) -> list[Proposal]:
        return [
            p for p in self.s.proposals.values()
            if (p.account_id, p.client_record_id, p.status) == (account_id, record_id, status)
        ]  # fmt: skip

    async def add_proposal(self, p: Proposal) -> None:
        assert p.proposal_id not in self.s.proposals
        self.s.proposals[p.proposal_id] = p

    async def save_proposal(self, p: Proposal) -> None:
        self.s.proposals[p.proposal_id] = p

    async def proposal(self, account_id: str, proposal_id: str, *, lock: bool = False):  # type: ignore[no-untyped-def]
        p = self.s.proposals.get(proposal_id)
        return p if p is not None and p.account_id == account_id else None

    async def other_pending_proposals(self, record_id: str, proposal_id: str) -> list[Proposal]:
        return [
            p for p in self.s.proposals.values()
            if p.client_record_id == record_id and p.status == "pending"
            and p.proposal_id != proposal_id
        ]  # fmt: skip

    async def due_proposals(self, now: datetime, limit: int) -> list[Proposal]:
        due = [p for p in self.s.proposals.values() if p.status == "pending" and p.is_expired(now)]
        return due[:limit]

    async def records_of_account(self, account_id: str):  # type: ignore[no-untyped-def]
        mine = [r for r in self.s.records.values() if r.account_id == account_id]
        ordered = sorted(mine, key=lambda r: (r.studio_id, r.client_record_id))
        return [(r, self.s.studios.get(r.studio_id)) for r in ordered]

    async def proposal_previews(self, account_id: str, now: datetime) -> list[dict[str, Any]]:
        previews = []
        for p in self.s.proposals.values():
            if p.account_id != account_id or p.status != "pending" or p.is_expired(now):
                continue
            r = self.s.records.get(p.client_record_id)
            previews.append(
                dataclasses.asdict(p) | {
                    "studio_name": self.s.studios.get(p.studio_id),
                    "given_name": r and r.given_name, "family_name": r and r.family_name,
                    "phone": r and r.phone,
                }
            )  # fmt: skip
        return previews

    async def add_merge(self, m: Merge) -> None:
        # The database's unique index: one merge per record.
        assert all(x.client_record_id != m.client_record_id for x in self.s.merges.values())
        self.s.merges[m.merge_id] = m

    async def merge_of_proposal(self, proposal_id: str) -> Merge | None:
        return next((m for m in self.s.merges.values() if m.proposal_id == proposal_id), None)

    async def merges_of(self, record_id: str) -> list[Merge]:
        return [m for m in self.s.merges.values() if m.client_record_id == record_id]


class FakeUnitOfWork:
    """A transaction over a copy of the state."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.store = FakeStore(state)

    async def publish(self, event: Envelope[Any]) -> None:
        self.state.published.append(event)


class FakeUnitsOfWork:
    """Units of work over one in-memory state: all or nothing, like PostgreSQL's."""

    def __init__(self) -> None:
        self.state = State()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[FakeUnitOfWork]:
        work = FakeUnitOfWork(copy.deepcopy(self.state))
        yield work
        self.state = work.state  # reached only when the block did not raise: commit

    async def once(self, event_id: UUID, effect: Any) -> bool:
        if event_id in self.state.handled:
            return False
        async with self.transaction() as work:
            work.state.handled.add(event_id)
            await effect(work)
        return True


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def units() -> FakeUnitsOfWork:
    return FakeUnitsOfWork()


@pytest.fixture
def registry(settings: RegistrySettings, units: FakeUnitsOfWork, clock: Clock) -> Registry:
    """The real use cases wired to the in-memory fakes, through bootstrap."""
    return bootstrap(settings, units, clock)


@pytest.fixture(autouse=True)
def _settings_only_from_the_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests see the documented defaults, whatever the developer's shell exports."""
    for name in [n for n in os.environ if n.upper().startswith("FRONTDESK_REGISTRY_")]:
        monkeypatch.delenv(name)
