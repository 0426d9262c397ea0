"""The admin API behind the upstream gateway: a studio's clients, access states, merges.

An admin sees only the studios the gateway's assertion names; any other studio answers
404, the same as a studio or client that does not exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from frontdesk_kit.gateway import AdminAssertion, AdminCaller
from frontdesk_kit.problems import problem_responses
from frontdesk_registry.domain.commands import FindClients
from frontdesk_registry.domain.errors import ClientNotFound, StudioNotFound
from frontdesk_registry.domain.proposals import Merge
from frontdesk_registry.domain.records import AccessState, Origin, StudioClient
from frontdesk_registry.entrypoints.security import Deps
from frontdesk_registry.service_layer import records

router = APIRouter(
    prefix="/v1/studios/{studio_id}/clients",
    tags=["admin"],
    responses=problem_responses(401, 404, 422, 500),
)
Id = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^\S+$")]


class ClientSummary(BaseModel):
    """A studio's client record and whether its client ever logged in."""

    client_record_id: str
    studio_id: str
    account_id: str
    origin: Origin
    external_client_id: str | None
    given_name: str
    family_name: str | None
    emails: list[str]
    phone: str | None
    access_state: AccessState
    created_at: datetime
    updated_at: datetime
    merged_at: datetime | None


class ClientPage(BaseModel):
    """A page of clients; pass `next_after` as `after` for the next page."""

    clients: list[ClientSummary]
    next_after: str | None


class MergeEntry(BaseModel):
    """One merge of the record: who, when, from which account into which, from what."""

    merge_id: str
    proposal_id: str
    from_account_id: str
    to_account_id: str
    merged_by: str
    merged_by_role: str
    merged_at: datetime
    record_before: dict[str, Any]


class ClientDetail(ClientSummary):
    """A client with its merge history, oldest first."""

    merge_history: list[MergeEntry]


def _summary(client: StudioClient) -> dict[str, Any]:
    record = client.record
    fields = {k: getattr(record, k) for k in ClientSummary.model_fields if hasattr(record, k)}
    return {**fields, "emails": list(record.emails), "access_state": client.access_state}


def _entry(merge: Merge) -> MergeEntry:
    return MergeEntry(**{k: getattr(merge, k) for k in MergeEntry.model_fields})


def _check_studio(admin: AdminAssertion, studio_id: str, error: Exception) -> None:
    if not admin.administers(studio_id):
        raise error


@router.get("", response_model=ClientPage)
async def list_clients(
    studio_id: Id,
    admin: AdminCaller,
    reg: Deps,
    q: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    state: AccessState | None = None,
    after: Annotated[str | None, Query(max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ClientPage:
    """Search a studio's clients by name or address, optionally by access state."""
    _check_studio(admin, studio_id, StudioNotFound("no such studio"))
    found = await records.find_clients(reg, FindClients(studio_id, q, state, after, limit))
    clients = [ClientSummary(**_summary(client)) for client in found]
    next_after = clients[-1].client_record_id if len(clients) == limit else None
    return ClientPage(clients=clients, next_after=next_after)


@router.get("/{client_record_id}", response_model=ClientDetail)
async def get_client(
    studio_id: Id, client_record_id: Id, admin: AdminCaller, reg: Deps
) -> ClientDetail:
    """One client with its access state and merge history."""
    _check_studio(admin, studio_id, ClientNotFound("no such client in this studio"))
    client, merges = await records.client_with_history(reg, studio_id, client_record_id)
    return ClientDetail(**_summary(client), merge_history=[_entry(m) for m in merges])
