"""Answered forgot-password and signup requests whose work is still to do, in PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

_ADD = """
INSERT INTO deferred_requests (id, kind, request, received_at) VALUES ($1, $2, $3::jsonb, $4)
"""
# SKIP LOCKED: a request another transaction is carrying out is not waited for; that
# transaction deletes the row when it commits, or leaves it for a later round.
_TAKE = "SELECT kind, request FROM deferred_requests WHERE id = $1 FOR UPDATE SKIP LOCKED"
_REMOVE = "DELETE FROM deferred_requests WHERE id = $1"
_BEFORE = """
SELECT id FROM deferred_requests WHERE received_at < $1 ORDER BY received_at LIMIT $2
"""


class DeferredRequestRepository:
    """The kept requests: kind and fields (JSON), until their work deletes them."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(
        self, request_id: UUID, kind: str, request: dict[str, Any], received_at: datetime
    ) -> None:
        await self._conn.execute(_ADD, request_id, kind, json.dumps(request), received_at)

    async def take(self, request_id: UUID) -> tuple[str, dict[str, Any]] | None:
        row = await self._conn.fetchrow(_TAKE, request_id)
        return None if row is None else (row["kind"], json.loads(row["request"]))

    async def remove(self, request_id: UUID) -> None:
        await self._conn.execute(_REMOVE, request_id)

    async def received_before(self, moment: datetime, limit: int) -> list[UUID]:
        return [row["id"] for row in await self._conn.fetch(_BEFORE, moment, limit)]
