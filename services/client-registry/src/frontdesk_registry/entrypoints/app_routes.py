"""The app's API: the client's studios, and merge proposals to preview, confirm or decline."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from frontdesk_kit.problems import problem_responses
from frontdesk_registry.domain.commands import ConfirmProposal, DeclineProposal
from frontdesk_registry.domain.proposals import OpenProposal
from frontdesk_registry.entrypoints.security import AccountId, Deps
from frontdesk_registry.service_layer import merges, proposals, records

router = APIRouter(
    prefix="/v1/me",
    tags=["app"],
    responses=problem_responses(401, 422, 500),
)
ProposalId = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^\S+$")]


class ProposalPreview(BaseModel):
    """One studio record offered to the caller, as much as they need to recognise it."""

    proposal_id: str
    studio_id: str
    studio_name: str | None
    client_record_id: str
    record_name: str | None
    masked_phone: str | None
    memberships: int | None = None
    visits: int | None = None
    email: str
    expires_at: datetime

    @classmethod
    def of(cls, found: OpenProposal) -> ProposalPreview:
        """The preview of one open proposal."""
        p = found.proposal
        return cls(
            proposal_id=p.proposal_id,
            studio_id=p.studio_id,
            studio_name=found.studio_name,
            client_record_id=p.client_record_id,
            record_name=found.record_name,
            masked_phone=found.masked_phone,
            email=p.email,
            expires_at=p.expires_at,
        )


class ProposalList(BaseModel):
    """The caller's open proposals."""

    proposals: list[ProposalPreview]


class MergeDone(BaseModel):
    """The studio record now belongs to the caller's account."""

    proposal_id: str
    status: Literal["confirmed"] = "confirmed"
    studio_id: str
    client_record_id: str
    surviving_account_id: str
    merged_at: datetime


class Declined(BaseModel):
    """The record stays separate."""

    proposal_id: str
    status: Literal["declined"] = "declined"


class MyStudio(BaseModel):
    """One studio that knows the caller, and its record of them."""

    studio_id: str
    studio_name: str | None
    client_record_id: str
    record_name: str
    merged_at: datetime | None = Field(
        description="set when this record was merged into the caller's login"
    )


class MyStudios(BaseModel):
    """Every studio the caller's login reaches (after merges, all of them)."""

    studios: list[MyStudio]


@router.get("/studios", response_model=MyStudios)
async def my_studios(account_id: AccountId, reg: Deps) -> MyStudios:
    """The studios whose client records belong to the caller's account."""
    known = await records.my_studios(reg, account_id)
    return MyStudios(
        studios=[
            MyStudio(
                studio_id=k.record.studio_id,
                studio_name=k.studio_name,
                client_record_id=k.record.client_record_id,
                record_name=k.record.display_name,
                merged_at=k.record.merged_at,
            )
            for k in known
        ]
    )


@router.get("/merge-proposals", response_model=ProposalList)
async def my_proposals(account_id: AccountId, reg: Deps) -> ProposalList:
    """The caller's open merge proposals, each with a preview of the studio record."""
    found = await proposals.proposal_previews(reg, account_id)
    return ProposalList(proposals=[ProposalPreview.of(p) for p in found])


@router.post(
    "/merge-proposals/{proposal_id}/confirm",
    response_model=MergeDone,
    responses=problem_responses(403, 404, 409, 410),
)
async def confirm(proposal_id: ProposalId, account_id: AccountId, reg: Deps) -> MergeDone:
    """Merge the proposal's studio record into the caller's account (idempotent)."""
    merge = await merges.confirm_proposal(reg, ConfirmProposal(account_id, proposal_id))
    return MergeDone(
        proposal_id=merge.proposal_id,
        studio_id=merge.studio_id,
        client_record_id=merge.client_record_id,
        surviving_account_id=merge.to_account_id,
        merged_at=merge.merged_at,
    )


@router.post(
    "/merge-proposals/{proposal_id}/decline",
    response_model=Declined,
    responses=problem_responses(404, 409, 410),
)
async def decline(proposal_id: ProposalId, account_id: AccountId, reg: Deps) -> Declined:
    """Decline the proposal; the studio record stays with its own account."""
    await proposals.decline_proposal(reg, DeclineProposal(account_id, proposal_id))
    return Declined(proposal_id=proposal_id)
