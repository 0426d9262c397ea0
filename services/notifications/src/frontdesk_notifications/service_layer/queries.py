"""The read side for operators: messages and their delivery state, and suppressions."""

from __future__ import annotations

from uuid import UUID

from ..domain.records import MessageRecord, SuppressedAddress
from .deps import Deps


async def find_messages(
    deps: Deps,
    *,
    recipient: str | None = None,
    account_id: str | None = None,
    event_id: UUID | None = None,
    limit: int = 100,
) -> list[MessageRecord]:
    """Messages matching every given filter, newest first (never their tokens)."""
    async with deps.units.transaction() as uow:
        return await uow.messages.find(
            recipient=recipient, account_id=account_id, event_id=event_id, limit=limit
        )


async def get_message(deps: Deps, message_id: UUID) -> MessageRecord | None:
    """One message, or None."""
    async with deps.units.transaction() as uow:
        return await uow.messages.get(message_id)


async def list_suppressions(
    deps: Deps, address: str | None = None, limit: int = 100
) -> list[SuppressedAddress]:
    """Suppressed addresses, newest first."""
    async with deps.units.transaction() as uow:
        return await uow.suppressions.list(address, limit)


async def lift_suppression(deps: Deps, address: str) -> bool:
    """Allow sending to `address` again; False when it was not suppressed."""
    async with deps.units.transaction() as uow:
        return await uow.suppressions.lift(address)
