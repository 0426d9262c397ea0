"""What the load's accepted requests ended as: emails in the dev inbox, records and merges
in client-registry, counted per fault.

- **effected**: a create has its create-your-login email and client-registry's record
  of the account; a reset has its own reset email (an address asked n times has n
  different reset emails); a signup has its verification email and, when the client
  confirmed the proposal, its one merge.
- **lost**: accepted, and the effect never showed.
- **duplicated**: a copy of an email the inbox already holds (the same Message-ID: a
  message re-sent after a crash keeps it), or a second merge of one record. Counted
  against the fault in force when the first copy arrived.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from frontdesk_testing import Admin, InboxClient
from frontdesk_testing.inbox import MessageSummary

from .load import Population, Sent

SUBJECTS = {
    "create": "Create your login",
    "reset": "Reset your password",
    "signup": "Verify your email address",
}


@dataclass(frozen=True)
class Window:
    """A fault's time in the run (wall clock, seconds since the epoch)."""

    name: str
    start: float
    end: float


@dataclass
class Count:
    """One fault's row: requests made, accepted, effected, lost, duplicated; and how many
    of its signups ended in their client's confirmed merge."""

    name: str
    offered: int = 0
    accepted: int = 0
    effected: int = 0
    lost: int = 0
    duplicated: int = 0
    merges: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass(frozen=True)
class Tally:
    rows: dict[str, Count]
    lost_requests: list[Sent]
    duplicated_addresses: dict[str, int]

    @property
    def lost(self) -> int:
        return sum(r.lost for r in self.rows.values())


async def tally(
    sent: Sequence[Sent],
    windows: Sequence[Window],
    since_id: int,
    inbox: InboxClient,
    registry: httpx.AsyncClient,
    population: Population,
    watched: Sequence[str] = (),
) -> Tally:
    """Count every request of the load against what the inbox and the registry hold;
    copies of emails to `watched` addresses count as duplicates too."""
    rows = {w.name: Count(w.name) for w in windows}
    mails = _by_address(await inbox.messages(since_id=since_id))
    records = await _records(sent, registry, population)
    lost: list[Sent] = []
    resets: dict[str, list[Sent]] = defaultdict(list)
    for request in sent:
        row = rows.setdefault(request.phase, Count(request.phase))
        row.offered += 1
        if not request.accepted:
            continue
        row.accepted += 1
        if request.kind == "reset":
            resets[request.address].append(request)
            continue
        if _effected(request, mails, records):
            row.effected += 1
            row.merges += 1 if request.merges_confirmed else 0
        else:
            row.lost += 1
            lost.append(request)
    for address, asked in resets.items():
        arrived = len({m.message_id for m in _subject(mails, address, "reset")})
        for n, request in enumerate(sorted(asked, key=lambda r: r.at)):
            if n < arrived:
                rows[request.phase].effected += 1
            else:
                rows[request.phase].lost += 1
                lost.append(request)
    ours = {s.address.lower() for s in sent} | {a.lower() for a in watched}
    duplicated = _duplicates(mails, ours, windows, rows)
    for request in sent:
        history = records.get(request.address, {}).get("merge_history", [])
        if request.kind == "signup" and len(history) > 1:
            rows[request.phase].duplicated += len(history) - 1
            duplicated[request.address] = duplicated.get(request.address, 0) + len(history) - 1
    return Tally(rows, lost, duplicated)


def _effected(
    request: Sent, mails: dict[str, list[MessageSummary]], records: dict[str, dict[str, Any]]
) -> bool:
    if not _subject(mails, request.address, request.kind):
        return False
    record = records.get(request.address)
    if request.kind == "create":
        return record is not None and record.get("account_id") == request.account_id
    if request.merges_confirmed:
        return record is not None and len(record.get("merge_history", [])) == 1
    return True


def _subject(
    mails: dict[str, list[MessageSummary]], address: str, kind: str
) -> list[MessageSummary]:
    return [m for m in mails.get(address.lower(), []) if m.subject.startswith(SUBJECTS[kind])]


def _by_address(messages: Sequence[MessageSummary]) -> dict[str, list[MessageSummary]]:
    found: dict[str, list[MessageSummary]] = defaultdict(list)
    for message in messages:
        for address in message.to:
            found[address.lower()].append(message)
    return found


def _duplicates(
    mails: dict[str, list[MessageSummary]],
    ours: set[str],
    windows: Sequence[Window],
    rows: dict[str, Count],
) -> dict[str, int]:
    """Second and later copies of one Message-ID, by address; added to the rows."""
    extra: dict[str, int] = {}
    for address in ours:
        copies = Counter(m.message_id for m in mails.get(address, []))
        for message_id, count in copies.items():
            if count < 2:
                continue
            first = min(
                m.received_at.timestamp() for m in mails[address] if m.message_id == message_id
            )
            window = next((w for w in windows if w.start <= first < w.end), windows[-1])
            rows[window.name].duplicated += count - 1
            extra[address] = extra.get(address, 0) + count - 1
    return extra


async def _records(
    sent: Sequence[Sent], registry: httpx.AsyncClient, population: Population
) -> dict[str, dict[str, Any]]:
    """client-registry's record per address of the creates and signups, as admins see it."""
    admins = {a.studio_id: a for a in [*population.admins, population.imports_admin]}
    wanted = {(s.studio_id, s.address) for s in sent if s.accepted and s.kind != "reset"}
    gate = asyncio.Semaphore(16)

    async def one(studio_id: str, address: str) -> tuple[str, dict[str, Any] | None]:
        async with gate:
            return address, await _record(registry, admins[studio_id], address)

    found = await asyncio.gather(*(one(s, a) for s, a in wanted))
    return {address: record for address, record in found if record is not None}


async def _record(registry: httpx.AsyncClient, admin: Admin, address: str) -> dict[str, Any] | None:
    listed = await registry.get(
        f"/v1/studios/{admin.studio_id}/clients", params={"q": address}, headers=admin.registry()
    )
    listed.raise_for_status()
    clients = listed.json()["clients"]
    if not clients:
        return None
    record: dict[str, Any] = clients[0]
    if record.get("access_state") == "merged":
        detail = await registry.get(
            f"/v1/studios/{admin.studio_id}/clients/{record['client_record_id']}",
            headers=admin.registry(),
        )
        detail.raise_for_status()
        record = {**record, "merge_history": detail.json()["merge_history"]}
    return record
