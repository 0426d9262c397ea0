"""The use cases driven by other services' events, each applied once per event id."""

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

from .adapters.unit_of_work import Transaction
from .deps import Deps
from .domain.accounts import Account
from .handlers import end_everything


async def import_clients(deps: Deps, tx: Transaction, event: Envelope[Any]) -> None:
    """Create accounts without a login for imported clients; no email is sent.

    Idempotent on (studio, external client id): a client imported again is skipped.
    """
    payload = event.payload
    clients: list[ClientFields] = (
        list(payload.clients) if isinstance(payload, ClientsImportedBatch) else [payload]
    )
    for client in clients:
        await _import_one(tx, payload.studio_id, client, event)


async def _import_one(
    tx: Transaction, studio_id: str, client: ClientFields, cause: Envelope[Any]
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
    if not await tx.accounts.add(account):
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
    await tx.publish(new_event(imported, cause=cause))


def _unique(emails: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for email in emails:
        seen.setdefault(email.lower(), email)
    return list(seen.values())


async def apply_merge(deps: Deps, tx: Transaction, event: Envelope[ClientsMerged]) -> None:
    """Merged accounts become aliases of the survivor; their links and sessions die."""
    merge = event.payload
    survivor = await tx.accounts.get(merge.surviving_account_id, lock=True)
    if survivor is None:
        raise PermanentError(f"surviving account {merge.surviving_account_id} is unknown")
    merged = []
    for account_id in merge.merged_account_ids:
        account = await tx.accounts.get(account_id, lock=True)
        if account is None or account.id == merge.surviving_account_id:
            continue
        account.merged_into = merge.surviving_account_id
        await tx.accounts.save(account)
        merged.append(account.id)
    if not merged:
        return  # already merged (a replay): nothing more to do
    await end_everything(deps, tx, merged, "merged", cause=event)
    notice = AccountsMerged(
        account_id=survivor.id,
        merged_account_ids=merged,
        studio_id=merge.studio_id,
        proposal_id=merge.proposal_id,
        email=survivor.primary_email,
    )
    await tx.publish(new_event(notice, cause=event))


_STATES = {EmailSent: "sent", EmailFailed: "failed", EmailSuppressed: "suppressed"}


async def record_delivery(tx: Transaction, event: Envelope[Any]) -> None:
    """Keep what notifications last said about each email, for the admin's access view."""
    payload: EmailEvent = event.payload
    detail = getattr(payload, "reason", None)
    await tx.deliveries.record(
        payload.message_id,
        payload.account_id,
        payload.recipient,
        payload.kind,
        _STATES[type(payload)],
        detail,
        event.time,
    )
