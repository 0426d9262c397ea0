"""One-time tokens, sessions and refresh tokens in PostgreSQL (digests only)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from ..domain.sessions import RefreshToken
from ..domain.tokens import Purpose, StoredToken

_INSERT_ONE_TIME = """
INSERT INTO one_time_tokens (id, account_id, purpose, token_digest, code_digest, email,
                             created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
"""
_SUPERSEDE = """
UPDATE one_time_tokens SET ended_at = $3, ended_because = 'superseded'
WHERE account_id = $1 AND purpose = $2 AND used_at IS NULL AND ended_at IS NULL
RETURNING id
"""
_END_ALL = """
UPDATE one_time_tokens SET ended_at = $2, ended_because = $3
WHERE account_id = ANY($1::text[]) AND used_at IS NULL AND ended_at IS NULL
"""
_ONE_TIME_COLUMNS = """
id::text, account_id, purpose, email, expires_at, used_at, ended_at, ended_because,
code_attempts
"""
_BY_DIGEST = f"""
SELECT {_ONE_TIME_COLUMNS} FROM one_time_tokens WHERE token_digest = $1 AND purpose = $2
"""  # noqa: S608 - constant
_BY_DIGEST_FOR_UPDATE = _BY_DIGEST + " FOR UPDATE"
_LIVE_CODES = """
SELECT id::text, code_digest FROM one_time_tokens
WHERE purpose = 'email_verification' AND lower(email) = $1 AND used_at IS NULL
  AND ended_at IS NULL AND expires_at > $2
ORDER BY created_at DESC
FOR UPDATE
"""
_BY_ID = f"SELECT {_ONE_TIME_COLUMNS} FROM one_time_tokens WHERE id = $1"  # noqa: S608
_COUNT_ATTEMPT = """
UPDATE one_time_tokens SET code_attempts = code_attempts + 1,
    ended_at = CASE WHEN code_attempts + 1 >= $2 THEN $3 ELSE ended_at END
WHERE id = ANY($1::uuid[])
"""
_SPEND = "UPDATE one_time_tokens SET used_at = $2 WHERE id = $1"

_INSERT_SESSION = "INSERT INTO sessions (id, account_id, created_at) VALUES ($1, $2, $3)"
_INSERT_REFRESH = """
INSERT INTO refresh_tokens (token_digest, session_id, expires_at) VALUES ($1, $2, $3)
"""
_REFRESH_FOR_UPDATE = """
SELECT r.session_id, r.expires_at, r.used_at, s.account_id, s.ended_at
FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id
WHERE r.token_digest = $1 FOR UPDATE
"""
_USE_REFRESH = "UPDATE refresh_tokens SET used_at = $2 WHERE token_digest = $1"
_END_SESSION = "UPDATE sessions SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL"
_END_SESSIONS = """
UPDATE sessions SET ended_at = $2 WHERE account_id = ANY($1::text[]) AND ended_at IS NULL
"""
_SESSION_LIVE = "SELECT 1 FROM sessions WHERE id = $1 AND ended_at IS NULL"


def _token(row: asyncpg.Record | None) -> StoredToken | None:
    return None if row is None else StoredToken(**dict(row))


class TokenRepository:
    """One-time link tokens of accounts, by digest."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

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
        await self._conn.execute(
            _INSERT_ONE_TIME,
            token_id,
            account_id,
            purpose,
            digest,
            code_digest,
            email,
            created_at,
            expires_at,
        )

    async def supersede(self, account_id: str, purpose: Purpose, now: datetime) -> UUID | None:
        """End every live token of this purpose; the id of the newest one ended, if any."""
        ended = await self._conn.fetch(_SUPERSEDE, account_id, purpose, now)
        return max((row["id"] for row in ended), default=None)

    async def end_all(self, account_ids: list[str], now: datetime, because: str) -> None:
        """End every live token of these accounts (password changed, merged away)."""
        await self._conn.execute(_END_ALL, account_ids, now, because)

    async def find(
        self, digest: bytes, purpose: Purpose, *, lock: bool = False
    ) -> StoredToken | None:
        """The token with this digest and purpose."""
        query = _BY_DIGEST_FOR_UPDATE if lock else _BY_DIGEST
        return _token(await self._conn.fetchrow(query, digest, purpose))

    async def live_codes(self, email_key: str, now: datetime) -> list[tuple[str, bytes]]:
        """(token id, code digest) of the live verification codes sent to an address."""
        rows = await self._conn.fetch(_LIVE_CODES, email_key, now)
        return [(row["id"], row["code_digest"]) for row in rows]

    async def get(self, token_id: str) -> StoredToken | None:
        """The token by id."""
        return _token(await self._conn.fetchrow(_BY_ID, UUID(token_id)))

    async def count_failed_attempts(self, token_ids: list[str], limit: int, now: datetime) -> None:
        """Count a wrong code against these tokens; the limit-th wrong code ends them."""
        await self._conn.execute(_COUNT_ATTEMPT, [UUID(t) for t in token_ids], limit, now)

    async def spend(self, token_id: str, now: datetime) -> None:
        """Mark a token used: it never works again."""
        await self._conn.execute(_SPEND, UUID(token_id), now)


class SessionRepository:
    """Sessions and their rotating refresh tokens."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def start(self, session_id: UUID, account_id: str, now: datetime) -> None:
        """Open a session."""
        await self._conn.execute(_INSERT_SESSION, session_id, account_id, now)

    async def add_refresh(self, digest: bytes, session_id: UUID, expires_at: datetime) -> None:
        """Store a refresh token's digest for a session."""
        await self._conn.execute(_INSERT_REFRESH, digest, session_id, expires_at)

    async def refresh_for_update(self, digest: bytes) -> RefreshToken | None:
        """The refresh token with its session, locked."""
        row = await self._conn.fetchrow(_REFRESH_FOR_UPDATE, digest)
        if row is None:
            return None
        return RefreshToken(
            row["session_id"], row["account_id"], row["expires_at"], row["used_at"], row["ended_at"]
        )

    async def use_refresh(self, digest: bytes, now: datetime) -> None:
        """Mark a refresh token used (rotation: each works once)."""
        await self._conn.execute(_USE_REFRESH, digest, now)

    async def end(self, session_id: UUID, now: datetime) -> None:
        """End one session (logout, or refresh-token reuse)."""
        await self._conn.execute(_END_SESSION, session_id, now)

    async def end_all(self, account_ids: list[str], now: datetime) -> None:
        """End every session of these accounts."""
        await self._conn.execute(_END_SESSIONS, account_ids, now)

    async def is_live(self, session_id: UUID) -> bool:
        """Whether the session has not ended."""
        return await self._conn.fetchval(_SESSION_LIVE, session_id) is not None
