"""Accounts and their addresses in PostgreSQL."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import datetime

import asyncpg

from ..domain.accounts import Account, email_key, username_key
from ..domain.errors import UsernameTaken

_COLUMNS = """
a.id, a.origin, a.given_name, a.family_name, a.studio_id, a.external_client_id, a.username,
a.password_hash, a.pending_username, a.email_verified_at, a.first_login_at, a.last_login_at,
a.merged_into,
COALESCE((SELECT array_agg(e.email ORDER BY e.position) FROM account_emails e
          WHERE e.account_id = a.id), '{}') AS emails,
COALESCE((SELECT array_agg(e.email ORDER BY e.proven_at DESC) FROM account_emails e
          WHERE e.account_id = a.id AND e.proven_at IS NOT NULL), '{}') AS proven_emails
"""
_BY_ID = f"SELECT {_COLUMNS} FROM accounts a WHERE a.id = $1"  # noqa: S608 - constant
_BY_ID_FOR_UPDATE = f"SELECT {_COLUMNS} FROM accounts a WHERE a.id = $1 FOR UPDATE"  # noqa: S608
_BY_EXTERNAL_ID = f"""
SELECT {_COLUMNS} FROM accounts a WHERE a.studio_id = $1 AND a.external_client_id = $2
"""  # noqa: S608 - constant
_BY_USERNAME = f"SELECT {_COLUMNS} FROM accounts a WHERE a.username_key = $1"  # noqa: S608
_BY_EMAIL = f"""
SELECT {_COLUMNS} FROM accounts a JOIN account_emails m ON m.account_id = a.id
WHERE m.email_key = $1 AND a.merged_into IS NULL ORDER BY a.created_at, a.id
"""  # noqa: S608 - constant
_INSERT = """
INSERT INTO accounts (id, origin, studio_id, external_client_id, given_name, family_name,
                      username, username_key, password_hash, pending_username)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (studio_id, external_client_id) DO NOTHING
RETURNING id
"""
_INSERT_EMAIL = """
INSERT INTO account_emails (account_id, email, email_key, position) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING
"""
_INSERT_MANY = """
INSERT INTO accounts (id, origin, studio_id, external_client_id, given_name, family_name,
                      username, username_key, password_hash, pending_username)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                     $7::text[], $8::text[], $9::text[], $10::text[])
ON CONFLICT (studio_id, external_client_id) DO NOTHING
RETURNING id
"""
_INSERT_EMAILS = """
INSERT INTO account_emails (account_id, email, email_key, position)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[])
ON CONFLICT DO NOTHING
"""
_SAVE = """
UPDATE accounts SET username = $2, username_key = $3, password_hash = $4,
    email_verified_at = $5, first_login_at = $6, last_login_at = $7, merged_into = $8,
    pending_username = $9
WHERE id = $1
"""
_MARK_PROVEN = """
UPDATE account_emails SET proven_at = $3 WHERE account_id = $1 AND email_key = $2
"""
_USERNAME_TAKEN = "SELECT 1 FROM accounts WHERE username_key = $1 AND id <> $2"


@contextlib.asynccontextmanager
async def _username_unique() -> AsyncIterator[None]:
    """Turn the unique index's verdict into the domain's: the check-then-write race of two
    people choosing one username at once ends here, not in a 500."""
    try:
        yield
    except asyncpg.UniqueViolationError as error:
        if error.constraint_name == "accounts_username_key_key":
            raise UsernameTaken("choose another username") from None
        raise


def _account(row: asyncpg.Record | None) -> Account | None:
    if row is None:
        return None
    return Account(
        id=row["id"],
        origin=row["origin"],
        given_name=row["given_name"],
        family_name=row["family_name"],
        studio_id=row["studio_id"],
        external_client_id=row["external_client_id"],
        username=row["username"],
        password_hash=row["password_hash"],
        pending_username=row["pending_username"],
        email_verified_at=row["email_verified_at"],
        first_login_at=row["first_login_at"],
        last_login_at=row["last_login_at"],
        merged_into=row["merged_into"],
        emails=list(row["emails"]),
        proven_emails=list(row["proven_emails"]),
    )


def _insert_values(account: Account) -> tuple[str | None, ...]:
    """The columns `_INSERT` and `_INSERT_MANY` write, in their order."""
    key = username_key(account.username) if account.username else None
    return (
        account.id,
        account.origin,
        account.studio_id,
        account.external_client_id,
        account.given_name,
        account.family_name,
        account.username,
        key,
        account.password_hash,
        account.pending_username,
    )


class AccountRepository:
    """Loads and saves accounts on one connection (the caller's transaction)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def get(self, account_id: str, *, lock: bool = False) -> Account | None:
        """The account `account_id`, locked for update when `lock`."""
        return _account(
            await self._conn.fetchrow(_BY_ID_FOR_UPDATE if lock else _BY_ID, account_id)
        )

    async def by_external_id(self, studio_id: str, external_client_id: str) -> Account | None:
        """The studio's account for an importing system's client id."""
        return _account(await self._conn.fetchrow(_BY_EXTERNAL_ID, studio_id, external_client_id))

    async def by_username(self, username: str) -> Account | None:
        """The account whose username is `username` (case-insensitive)."""
        return _account(await self._conn.fetchrow(_BY_USERNAME, username_key(username)))

    async def by_email(self, email: str) -> list[Account]:
        """Live (not merged) accounts holding `email` (case-insensitive), oldest first."""
        rows = await self._conn.fetch(_BY_EMAIL, email_key(email))
        return [a for a in map(_account, rows) if a is not None]

    async def add(self, account: Account) -> bool:
        """Insert `account` and its addresses; False if its (studio, external id) exists.

        A username taken meanwhile by a concurrent transaction raises `UsernameTaken`.
        """
        async with _username_unique():
            inserted = await self._conn.fetchval(_INSERT, *_insert_values(account))
        if inserted is None:
            return False
        for position, email in enumerate(account.emails):
            await self._conn.execute(_INSERT_EMAIL, account.id, email, email_key(email), position)
        return True

    async def add_all(self, accounts: Sequence[Account]) -> set[str]:
        """Insert many accounts and their addresses in two statements; the ids inserted."""
        if not accounts:
            return set()
        columns = list(zip(*map(_insert_values, accounts), strict=True))
        async with _username_unique():
            inserted = {row["id"] for row in await self._conn.fetch(_INSERT_MANY, *columns)}
        emails = [
            (account.id, email, email_key(email), position)
            for account in accounts
            if account.id in inserted
            for position, email in enumerate(account.emails)
        ]
        if emails:
            await self._conn.execute(_INSERT_EMAILS, *map(list, zip(*emails, strict=True)))
        return inserted

    async def save(self, account: Account) -> None:
        """Write back the mutable fields of `account`."""
        key = username_key(account.username) if account.username else None
        login = (account.username, key, account.password_hash, account.email_verified_at)
        seen = (account.first_login_at, account.last_login_at, account.merged_into)
        async with _username_unique():
            await self._conn.execute(_SAVE, account.id, *login, *seen, account.pending_username)

    async def mark_proven(self, account_id: str, email: str, now: datetime) -> None:
        """Note that the client proved `email` now (used a link or code sent to it)."""
        await self._conn.execute(_MARK_PROVEN, account_id, email_key(email), now)

    async def username_taken(self, username: str, by_other_than: str = "") -> bool:
        """Whether another account already uses `username`."""
        found = await self._conn.fetchval(_USERNAME_TAKEN, username_key(username), by_other_than)
        return found is not None
