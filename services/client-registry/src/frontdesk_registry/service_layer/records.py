"""Studio client records: filed from identity's events, searched by a studio's admins,
listed for the account they belong to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from frontdesk_contracts import AccountCreatedByAdmin, Envelope, new_event
from frontdesk_registry.domain.commands import FindClients
from frontdesk_registry.domain.errors import ClientNotFound
from frontdesk_registry.domain.proposals import Merge
from frontdesk_registry.domain.records import KnownStudio, StudioClient
from frontdesk_registry.service_layer.messages import record_created, record_from
from frontdesk_registry.service_layer.unit_of_work import Registry, UnitOfWork


async def file_client_records(reg: Registry, events: Sequence[Envelope[Any]]) -> None:
    """File the studio's records of imported or admin-created accounts (each once), any
    number of events at once, in one unit of work."""

    async def effect(uow: UnitOfWork, fresh: list[Envelope[Any]]) -> None:
        for event in fresh:
            if isinstance(event.payload, AccountCreatedByAdmin):
                await uow.store.save_studio_name(event.payload.studio_id, event.payload.studio_name)
        filed = [(record_from(event), event) for event in fresh]
        added = await uow.store.add_records([record for record, _ in filed])
        await uow.publish_all(
            [new_event(record_created(record), cause=event)
             for record, event in filed if record.client_record_id in added]
        )  # fmt: skip

    await reg.units.once_each(events, effect)


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
