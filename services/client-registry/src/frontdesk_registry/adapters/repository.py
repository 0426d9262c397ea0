"""client-registry's PostgreSQL repository: one method per named SQL statement.

A repository wraps one connection inside the caller's transaction; `lock=True` reads
take row locks (FOR UPDATE) so concurrent merges of one record serialise on it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import asyncpg

from frontdesk_registry.domain.proposals import Merge, OpenProposal, Proposal
from frontdesk_registry.domain.records import ClientRecord, KnownStudio, StudioClient

UPSERT_STUDIO = """
INSERT INTO studios (studio_id, name) VALUES ($1, $2)
ON CONFLICT (studio_id) DO UPDATE SET name = EXCLUDED.name, updated_at = now()
"""
INSERT_RECORD = """
INSERT INTO client_records (client_record_id, studio_id, original_account_id, account_id,
    origin, external_client_id, given_name, family_name, emails, phone, created_by,
    created_at, updated_at)
VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
ON CONFLICT DO NOTHING
RETURNING client_record_id
"""
INSERT_RECORDS = """
INSERT INTO client_records (client_record_id, studio_id, original_account_id, account_id,
    origin, external_client_id, given_name, family_name, emails, phone, created_by,
    created_at, updated_at)
SELECT r.id, r.studio_id, r.account_id, r.account_id, r.origin, r.external_client_id,
    r.given_name, r.family_name, ARRAY(SELECT jsonb_array_elements_text(r.emails)), r.phone,
    r.created_by, r.created_at, r.created_at
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
            $7::text[], $8::jsonb[], $9::text[], $10::text[], $11::timestamptz[])
    AS r(id, studio_id, account_id, origin, external_client_id, given_name, family_name,
         emails, phone, created_by, created_at)
ON CONFLICT DO NOTHING
RETURNING client_record_id
"""
SELECT_RECORD = "SELECT * FROM client_records WHERE client_record_id = $1"
LOCK_RECORD = SELECT_RECORD + " FOR UPDATE"
SELECT_RECORD_IN_STUDIO = """
SELECT r.*, a.first_login_at FROM client_records r
LEFT JOIN accounts a ON a.account_id = r.account_id
WHERE r.studio_id = $1 AND r.client_record_id = $2
"""
SEARCH_RECORDS = """
SELECT r.*, a.first_login_at FROM client_records r
LEFT JOIN accounts a ON a.account_id = r.account_id
WHERE r.studio_id = $1
  AND ($2::text IS NULL
       OR strpos(lower(r.given_name || ' ' || coalesce(r.family_name, '')), lower($2)) > 0
       OR EXISTS (SELECT 1 FROM unnest(r.emails) e WHERE strpos(lower(e), lower($2)) > 0))
  AND ($3::text IS NULL
       OR ($3 = 'merged' AND r.merged_at IS NOT NULL)
       OR ($3 = 'active' AND r.merged_at IS NULL AND a.first_login_at IS NOT NULL)
       OR ($3 = 'never_logged_in' AND r.merged_at IS NULL AND a.first_login_at IS NULL))
  AND ($4::text IS NULL OR r.client_record_id > $4)
ORDER BY r.client_record_id
LIMIT $5
"""
SELECT_RECORDS_OF_ACCOUNT = """
SELECT r.*, s.name AS studio_name FROM client_records r
LEFT JOIN studios s ON s.studio_id = r.studio_id
WHERE r.account_id = $1
ORDER BY r.studio_id, r.client_record_id
"""
UPDATE_RECORD_LINK = """
UPDATE client_records SET account_id = $2, merged_at = $3, updated_at = $4
WHERE client_record_id = $1
"""
UPSERT_VERIFIED_EMAIL = """
INSERT INTO accounts (account_id, verified_email, verified_at) VALUES ($1, $2, $3)
ON CONFLICT (account_id) DO UPDATE
SET verified_email = EXCLUDED.verified_email, verified_at = EXCLUDED.verified_at
"""
UPSERT_FIRST_LOGIN = """
INSERT INTO accounts (account_id, first_login_at) VALUES ($1, $2)
ON CONFLICT (account_id) DO UPDATE
SET first_login_at = least(coalesce(accounts.first_login_at, EXCLUDED.first_login_at),
                           EXCLUDED.first_login_at)
"""
UPSERT_REVOCATION = """
INSERT INTO accounts (account_id, revoked_before) VALUES ($1, $2)
ON CONFLICT (account_id) DO UPDATE
SET revoked_before = greatest(accounts.revoked_before, EXCLUDED.revoked_before)
"""
SELECT_REVOKED_BEFORE = "SELECT revoked_before FROM accounts WHERE account_id = $1"
SELECT_VERIFIED_EMAIL = "SELECT verified_email FROM accounts WHERE account_id = $1"
SELECT_PENDING_PROPOSAL = """
SELECT * FROM merge_proposals
WHERE account_id = $1 AND client_record_id = $2 AND status = 'pending'
FOR UPDATE
"""
SELECT_DECLINED_BEFORE = """
SELECT EXISTS (SELECT 1 FROM merge_proposals
               WHERE account_id = $1 AND client_record_id = $2 AND status = 'declined')
"""
INSERT_PROPOSAL = """
INSERT INTO merge_proposals (proposal_id, account_id, email, studio_id, client_record_id,
    matched_account_id, status, reason, created_at, expires_at, decided_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
"""
UPDATE_PROPOSAL = """
UPDATE merge_proposals SET status = $2, reason = $3, expires_at = $4, decided_at = $5
WHERE proposal_id = $1
"""
SELECT_PROPOSAL = "SELECT * FROM merge_proposals WHERE proposal_id = $1 AND account_id = $2"
LOCK_PROPOSAL = SELECT_PROPOSAL + " FOR UPDATE"
LOCK_OTHER_PENDING = """
SELECT * FROM merge_proposals
WHERE client_record_id = $1 AND status = 'pending' AND proposal_id <> $2
ORDER BY proposal_id
FOR UPDATE
"""
LOCK_DUE_PROPOSALS = """
SELECT * FROM merge_proposals WHERE status = 'pending' AND expires_at <= $1
ORDER BY expires_at LIMIT $2
FOR UPDATE SKIP LOCKED
"""
SELECT_PROPOSAL_PREVIEWS = """
SELECT p.*, s.name AS studio_name, r.given_name, r.family_name, r.phone
FROM merge_proposals p
LEFT JOIN client_records r ON r.client_record_id = p.client_record_id
LEFT JOIN studios s ON s.studio_id = p.studio_id
WHERE p.account_id = $1 AND p.status = 'pending' AND p.expires_at > $2
ORDER BY p.created_at, p.proposal_id
"""
INSERT_MERGE = """
INSERT INTO merges (merge_id, client_record_id, studio_id, proposal_id, from_account_id,
    to_account_id, merged_by, merged_by_role, merged_at, record_before)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)
"""
SELECT_MERGE_OF_PROPOSAL = "SELECT * FROM merges WHERE proposal_id = $1"
SELECT_MERGES_OF_RECORD = """
SELECT * FROM merges WHERE client_record_id = $1 ORDER BY merged_at, merge_id
"""


def _record(row: asyncpg.Record) -> ClientRecord:
    fields = ClientRecord.__dataclass_fields__
    values = {k: row[k] for k in fields}
    values["emails"] = tuple(row["emails"])
    return ClientRecord(**values)


def _proposal(row: asyncpg.Record) -> Proposal:
    return Proposal(**{k: row[k] for k in Proposal.__dataclass_fields__})


def _client(row: asyncpg.Record) -> StudioClient:
    return StudioClient(_record(row), row["first_login_at"])


def _preview(row: asyncpg.Record) -> OpenProposal:
    return OpenProposal(
        _proposal(row), row["studio_name"], row["given_name"], row["family_name"], row["phone"]
    )


def _merge(row: asyncpg.Record) -> Merge:
    values = {k: row[k] for k in Merge.__dataclass_fields__}
    values["record_before"] = json.loads(row["record_before"])
    return Merge(**values)


class RegistryRepository:
    """Client records, accounts, proposals and merges on one connection."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def save_studio_name(self, studio_id: str, name: str) -> None:
        """Remember a studio's display name for proposal previews."""
        await self._conn.execute(UPSERT_STUDIO, studio_id, name)

    async def add_record(self, r: ClientRecord) -> bool:
        """File a record; False when it was already filed (a replay)."""
        added = await self._conn.fetchval(
            INSERT_RECORD, r.client_record_id, r.studio_id, r.original_account_id, r.origin,
            r.external_client_id, r.given_name, r.family_name, list(r.emails), r.phone,
            r.created_by, r.created_at,
        )  # fmt: skip
        return added is not None

    async def add_records(self, records: Sequence[ClientRecord]) -> set[str]:
        """File many records in one statement; the ids of those not filed before."""
        if not records:
            return set()
        rows = [
            (r.client_record_id, r.studio_id, r.original_account_id, r.origin,
             r.external_client_id, r.given_name, r.family_name, json.dumps(list(r.emails)),
             r.phone, r.created_by, r.created_at)
            for r in records
        ]  # fmt: skip
        columns = [list(column) for column in zip(*rows, strict=True)]
        return {row["client_record_id"] for row in await self._conn.fetch(INSERT_RECORDS, *columns)}

    async def record(self, record_id: str, *, lock: bool = False) -> ClientRecord | None:
        """A record by id; `lock` holds it until the transaction ends."""
        row = await self._conn.fetchrow(LOCK_RECORD if lock else SELECT_RECORD, record_id)
        return None if row is None else _record(row)

    async def record_in_studio(self, studio_id: str, record_id: str) -> StudioClient | None:
        """A studio's record with its account's first login, or None."""
        row = await self._conn.fetchrow(SELECT_RECORD_IN_STUDIO, studio_id, record_id)
        return None if row is None else _client(row)

    async def search_records(
        self, studio_id: str, text: str | None, state: str | None, after: str | None, limit: int
    ) -> list[StudioClient]:
        """A page of a studio's records matching `text` and `state`, by record id."""
        rows = await self._conn.fetch(SEARCH_RECORDS, studio_id, text, state, after, limit)
        return [_client(row) for row in rows]

    async def records_of_account(self, account_id: str) -> list[KnownStudio]:
        """Every studio record linked to the account (merged ones too), with studio names."""
        rows = await self._conn.fetch(SELECT_RECORDS_OF_ACCOUNT, account_id)
        return [KnownStudio(_record(row), row["studio_name"]) for row in rows]

    async def save_record_link(self, r: ClientRecord) -> None:
        """Persist a record's account link and merge time (the only fields a merge changes)."""
        await self._conn.execute(
            UPDATE_RECORD_LINK, r.client_record_id, r.account_id, r.merged_at, r.updated_at
        )

    async def save_verified_email(self, account_id: str, email: str, at: datetime) -> None:
        """Identity proved that `account_id` owns `email`."""
        await self._conn.execute(UPSERT_VERIFIED_EMAIL, account_id, email, at)

    async def save_first_login(self, account_id: str, at: datetime) -> None:
        """The account logged in for the first time at `at`."""
        await self._conn.execute(UPSERT_FIRST_LOGIN, account_id, at)

    async def save_revocation(self, account_id: str, before: datetime) -> None:
        """Tokens of the account issued before `before` are dead."""
        await self._conn.execute(UPSERT_REVOCATION, account_id, before)

    async def revoked_before(self, account_id: str) -> datetime | None:
        """When the account's tokens were last revoked, if ever."""
        value: datetime | None = await self._conn.fetchval(SELECT_REVOKED_BEFORE, account_id)
        return value

    async def verified_email(self, account_id: str) -> str | None:
        """The address identity proved the account owns (SignupCompleted), if any."""
        value: str | None = await self._conn.fetchval(SELECT_VERIFIED_EMAIL, account_id)
        return value

    async def pending_proposal(self, account_id: str, record_id: str) -> Proposal | None:
        """The open proposal of this record to this account, locked."""
        row = await self._conn.fetchrow(SELECT_PENDING_PROPOSAL, account_id, record_id)
        return None if row is None else _proposal(row)

    async def declined_before(self, account_id: str, record_id: str) -> bool:
        """Whether the account once declined this record."""
        return bool(await self._conn.fetchval(SELECT_DECLINED_BEFORE, account_id, record_id))

    async def add_proposal(self, p: Proposal) -> None:
        """Store a new proposal."""
        await self._conn.execute(
            INSERT_PROPOSAL, p.proposal_id, p.account_id, p.email, p.studio_id,
            p.client_record_id, p.matched_account_id, p.status, p.reason, p.created_at,
            p.expires_at, p.decided_at,
        )  # fmt: skip

    async def save_proposal(self, p: Proposal) -> None:
        """Persist a proposal's status, reason, expiry and decision time."""
        await self._conn.execute(
            UPDATE_PROPOSAL, p.proposal_id, p.status, p.reason, p.expires_at, p.decided_at
        )

    async def proposal(
        self, account_id: str, proposal_id: str, *, lock: bool = False
    ) -> Proposal | None:
        """The account's proposal by id; None for anyone else's."""
        statement = LOCK_PROPOSAL if lock else SELECT_PROPOSAL
        row = await self._conn.fetchrow(statement, proposal_id, account_id)
        return None if row is None else _proposal(row)

    async def other_pending_proposals(self, record_id: str, proposal_id: str) -> list[Proposal]:
        """Every other open proposal of the record, locked (to withdraw them)."""
        rows = await self._conn.fetch(LOCK_OTHER_PENDING, record_id, proposal_id)
        return [_proposal(row) for row in rows]

    async def due_proposals(self, now: datetime, limit: int) -> list[Proposal]:
        """Open proposals whose time ran out, locked; others' sweeps skip them."""
        return [_proposal(r) for r in await self._conn.fetch(LOCK_DUE_PROPOSALS, now, limit)]

    async def proposal_previews(self, account_id: str, now: datetime) -> list[OpenProposal]:
        """The account's open proposals with what the preview shows of each record."""
        rows = await self._conn.fetch(SELECT_PROPOSAL_PREVIEWS, account_id, now)
        return [_preview(row) for row in rows]

    async def add_merge(self, m: Merge) -> None:
        """Write one merge into the history."""
        await self._conn.execute(
            INSERT_MERGE, m.merge_id, m.client_record_id, m.studio_id, m.proposal_id,
            m.from_account_id, m.to_account_id, m.merged_by, m.merged_by_role, m.merged_at,
            json.dumps(m.record_before),
        )  # fmt: skip

    async def merge_of_proposal(self, proposal_id: str) -> Merge | None:
        """The merge a confirmed proposal made."""
        row = await self._conn.fetchrow(SELECT_MERGE_OF_PROPOSAL, proposal_id)
        return None if row is None else _merge(row)

    async def merges_of(self, record_id: str) -> list[Merge]:
        """The record's whole merge history, oldest first."""
        return [_merge(r) for r in await self._conn.fetch(SELECT_MERGES_OF_RECORD, record_id)]
