"""The read side for operators: messages and their delivery state, and suppressions."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from .handlers import Deps


async def find_messages(
    deps: Deps,
    *,
    recipient: str | None = None,
    account_id: str | None = None,
    event_id: UUID | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Messages matching every given filter, newest first (never their tokens)."""
    async with deps.pool.acquire() as conn:
        rows = await deps.messages.find(
            conn, recipient=recipient, account_id=account_id, event_id=event_id, limit=limit
        )
    return [dict(row) for row in rows]


async def get_message(deps: Deps, message_id: UUID) -> dict[str, Any] | None:
    """One message, or None."""
    async with deps.pool.acquire() as conn:
        row = await deps.messages.get(conn, message_id)
    return None if row is None else dict(row)


async def list_suppressions(
    deps: Deps, address: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Suppressed addresses, newest first."""
    async with deps.pool.acquire() as conn:
        return [dict(row) for row in await deps.suppressions.list(conn, address, limit)]


async def lift_suppression(deps: Deps, address: str) -> bool:
    """Allow sending to `address` again; False when it was not suppressed."""
    async with deps.pool.acquire() as conn:
        return await deps.suppressions.lift(conn, address)
