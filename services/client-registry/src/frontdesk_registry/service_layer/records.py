"""Studio client records: filed from identity's events, searched by a studio's admins,
listed for the account they belong to."""

from __future__ import annotations

from frontdesk_contracts import AccountCreatedByAdmin, AccountImported, Envelope, new_event
from frontdesk_registry.domain.commands import FindClients
from frontdesk_registry.domain.errors import ClientNotFound
from frontdesk_registry.domain.proposals import Merge
from frontdesk_registry.domain.records import KnownStudio, StudioClient
from frontdesk_registry.service_layer.messages import record_created, record_from
from frontdesk_registry.service_layer.unit_of_work import Registry, UnitOfWork


async def file_client_record(
    reg: Registry, event: Envelope[AccountImported] | Envelope[AccountCreatedByAdmin]
) -> None:
    """File the studio's record of an imported or admin-created account (once)."""

    async def effect(uow: UnitOfWork) -> None:
        record = record_from(event)
        if isinstance(event.payload, AccountCreatedByAdmin):
            await uow.store.save_studio_name(event.payload.studio_id, event.payload.studio_name)
        if await uow.store.add_record(record):
            await uow.publish(new_event(record_created(record), cause=event))

    await reg.units.once(event.id, effect)


async def find_clients(reg: Registry, query: FindClients) -> list[StudioClient]:
    """A page of one studio's clients, each with what its access state depends on."""
    async with reg.units.transaction() as uow:
        return await uow.store.search_records(
            query.studio_id, query.text, query.state, query.after, query.limit
        )


async def client_with_history(
    reg: Registry, studio_id: str, record_id: str
) -> tuple[StudioClient, list[Merge]]:
    """One studio client and its merge history; ClientNotFound outside that studio."""
    async with reg.units.transaction() as uow:
        found = await uow.store.record_in_studio(studio_id, record_id)
        if found is None:
            raise ClientNotFound("no such client in this studio")
        return found, await uow.store.merges_of(record_id)


async def my_studios(reg: Registry, account_id: str) -> list[KnownStudio]:
    """The studios that know the account: its own records and those merged into it."""
    async with reg.units.transaction() as uow:
        return await uow.store.records_of_account(account_id)
