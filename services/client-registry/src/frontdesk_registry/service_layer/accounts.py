"""What the registry learns of identity's accounts: the address a signup proved, the
first login, the revocation of its tokens. Each runs once per event (`units.once`)."""

from __future__ import annotations

from datetime import datetime

from frontdesk_contracts import Envelope, FirstLogin, SessionsRevoked, SignupCompleted
from frontdesk_registry.service_layer.unit_of_work import Registry, UnitOfWork


async def note_verified_email(reg: Registry, event: Envelope[SignupCompleted]) -> None:
    """Remember the address a signup proved: the only proof that lets it confirm merges."""

    async def effect(uow: UnitOfWork) -> None:
        p = event.payload
        await uow.store.save_verified_email(p.account_id, p.email, event.time)

    await reg.units.once(event.id, effect)


async def note_first_login(reg: Registry, event: Envelope[FirstLogin]) -> None:
    """Remember that an account logged in: its records show as active."""

    async def effect(uow: UnitOfWork) -> None:
        await uow.store.save_first_login(event.payload.account_id, event.time)

    await reg.units.once(event.id, effect)


async def note_sessions_revoked(reg: Registry, event: Envelope[SessionsRevoked]) -> None:
    """Refuse the account's access tokens issued before the revocation from now on."""

    async def effect(uow: UnitOfWork) -> None:
        p = event.payload
        await uow.store.save_revocation(p.account_id, p.revoked_before)

    await reg.units.once(event.id, effect)


async def token_revoked(reg: Registry, account_id: str, issued_at: datetime) -> bool:
    """Whether identity revoked the account's tokens after this one was issued."""
    async with reg.units.transaction() as uow:
        revoked_before = await uow.store.revoked_before(account_id)
    return revoked_before is not None and issued_at < revoked_before
