"""The use cases driven by other services' events: client imports, merges and email
delivery reports. Each applies its effect once per event id: the handled-event row
commits in the same unit of work as the effect."""

from __future__ import annotations

from collections.abc import Sequence
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


async def import_clients(deps: Deps, events: Sequence[Envelope[Any]]) -> None:
    """Create accounts without a login for imported clients (ClientImported events and
    ClientsImportedBatch events, any number at once, in one unit of work); no email is
    sent. A client imported again (same studio and external client id) is skipped."""

    async def effect(uow: UnitOfWork, fresh: list[Envelope[Any]]) -> None:
        imports = [_account_of(event, client) for event in fresh for client in _clients(event)]
        added = await uow.accounts.add_all([account for account, _, _ in imports])
        await uow.publish_all(
            [
                _imported(account, client, cause)
                for account, client, cause in imports
                if account.id in added
            ]
        )

    await deps.db.once_each(events, effect)


def _clients(event: Envelope[Any]) -> list[ClientFields]:
    payload = event.payload
    return list(payload.clients) if isinstance(payload, ClientsImportedBatch) else [payload]


def _account_of(
    event: Envelope[Any], client: ClientFields
) -> tuple[Account, ClientFields, Envelope[Any]]:
    account = Account(
        id=str(uuid7()),
        origin="import",
        studio_id=event.payload.studio_id,
        external_client_id=client.external_client_id,
        given_name=client.given_name,
        family_name=client.family_name,
        emails=_unique(client.emails),
    )
    return account, client, event


def _imported(account: Account, client: ClientFields, cause: Envelope[Any]) -> Envelope[Any]:
    imported = AccountImported(
        account_id=account.id,
        studio_id=cause.payload.studio_id,
        external_client_id=client.external_client_id,
        given_name=client.given_name,
        family_name=client.family_name,
        emails=account.emails,
        phone=client.phone,
    )
    return new_event(imported, cause=cause)


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


async def record_deliveries(deps: Deps, events: Sequence[Envelope[Any]]) -> None:
    """Keep what notifications last said about each email, for the admin's access view
    (any number of reports at once, in one unit of work)."""

    async def effect(uow: UnitOfWork, fresh: list[Envelope[Any]]) -> None:
        for event in fresh:
            payload: EmailEvent = event.payload
            await uow.deliveries.record(payload.account_id, _email_state(event))

    await deps.db.once_each(events, effect)


def _email_state(event: Envelope[Any]) -> EmailState:
    payload: EmailEvent = event.payload
    return EmailState(
        message_id=payload.message_id,
        kind=payload.kind,
        recipient=payload.recipient,
        state=_STATES[type(payload)],
        detail=getattr(payload, "reason", None),
        at=event.time,
    )
