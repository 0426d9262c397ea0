"""The use cases driven by other services' events: client imports, merges and email
delivery reports. Each applies its effect once per event id: the handled-event row
commits in the same unit of work as the effect."""

from __future__ import annotations

from typing import Any

from frontdesk_contracts import (
    AccountImported,
    AccountsMerged,
    ClientsImportedBatch,
    ClientsMerged,
    EmailFailed,
    EmailSent,
    EmailSuppressed,
    Envelope,
    new_event,
    uuid7,
)
from frontdesk_contracts.events.notifications import EmailEvent
from frontdesk_contracts.events.platform import ClientFields
from frontdesk_kit import PermanentError

from ..domain.accounts import Account
from ..domain.deliveries import EmailState
from .deps import Deps
from .sessions import end_everything
from .unit_of_work import UnitOfWork


async def import_clients(deps: Deps, event: Envelope[Any]) -> None:
    """Create accounts without a login for imported clients (ClientImported, or a
    ClientsImportedBatch); no email is sent. A client imported again (same studio and
    external client id) is skipped."""
    payload = event.payload
    clients: list[ClientFields] = (
        list(payload.clients) if isinstance(payload, ClientsImportedBatch) else [payload]
    )

    async def effect(uow: UnitOfWork) -> None:
        for client in clients:
            await _import_one(uow, payload.studio_id, client, event)

    await deps.db.once(event.id, effect)


async def _import_one(
    uow: UnitOfWork, studio_id: str, client: ClientFields, cause: Envelope[Any]
) -> None:
    account = Account(
        id=str(uuid7()),
        origin="import",
        studio_id=studio_id,
        external_client_id=client.external_client_id,
        given_name=client.given_name,
        family_name=client.family_name,
        emails=_unique(client.emails),
    )
    if not await uow.accounts.add(account):
        return
    imported = AccountImported(
        account_id=account.id,
        studio_id=studio_id,
        external_client_id=client.external_client_id,
        given_name=client.given_name,
        family_name=client.family_name,
        emails=account.emails,
        phone=client.phone,
    )
    await uow.publish(new_event(imported, cause=cause))


def _unique(emails: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for email in emails:
        seen.setdefault(email.lower(), email)
    return list(seen.values())


async def apply_merge(deps: Deps, event: Envelope[Any]) -> None:
    """Merged accounts become aliases of the survivor; their links and sessions die."""
    merged_event = event.narrow(ClientsMerged)

    async def effect(uow: UnitOfWork) -> None:
        await _merge(deps, uow, merged_event)

    await deps.db.once(event.id, effect)


async def _merge(deps: Deps, uow: UnitOfWork, event: Envelope[ClientsMerged]) -> None:
    merge = event.payload
    survivor = await uow.accounts.get(merge.surviving_account_id, lock=True)
    if survivor is None:
        raise PermanentError(f"surviving account {merge.surviving_account_id} is unknown")
    merged = []
    for account_id in merge.merged_account_ids:
        account = await uow.accounts.get(account_id, lock=True)
        if account is None or account.id == merge.surviving_account_id:
            continue
        account.merged_into = merge.surviving_account_id
        await uow.accounts.save(account)
        merged.append(account.id)
    if not merged:
        return  # already merged (a replay): nothing more to do
    await end_everything(deps, uow, merged, "merged", cause=event)
    notice = AccountsMerged(
        account_id=survivor.id,
        merged_account_ids=merged,
        studio_id=merge.studio_id,
        proposal_id=merge.proposal_id,
        email=survivor.primary_email,
    )
    await uow.publish(new_event(notice, cause=event))


_STATES = {EmailSent: "sent", EmailFailed: "failed", EmailSuppressed: "suppressed"}


async def record_delivery(deps: Deps, event: Envelope[Any]) -> None:
    """Keep what notifications last said about each email, for the admin's access view."""
    payload: EmailEvent = event.payload
    state = EmailState(
        message_id=payload.message_id,
        kind=payload.kind,
        recipient=payload.recipient,
        state=_STATES[type(payload)],
        detail=getattr(payload, "reason", None),
        at=event.time,
    )

    async def effect(uow: UnitOfWork) -> None:
        await uow.deliveries.record(payload.account_id, state)

    await deps.db.once(event.id, effect)
