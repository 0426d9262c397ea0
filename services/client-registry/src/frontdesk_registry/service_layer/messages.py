"""Translations between the contracts and the domain: the events the registry publishes
built from domain objects, and the client record an identity event files."""

from __future__ import annotations

from typing import Any

from frontdesk_contracts import (
    AccountCreatedByAdmin,
    AccountImported,
    ClientRecordCreated,
    ClientsMerged,
    Envelope,
    MergeCandidate,
    MergeProposed,
    MergeRejected,
)
from frontdesk_registry.domain.proposals import Merge, Proposal
from frontdesk_registry.domain.records import ClientRecord, Origin, client_record_id


def record_from(
    event: Envelope[AccountImported] | Envelope[AccountCreatedByAdmin],
) -> ClientRecord:
    """The studio record an identity event files (import or admin-created)."""
    p = event.payload
    origin: Origin
    if isinstance(p, AccountImported):
        origin, external_id, emails, phone, admin = (
            "import", p.external_client_id, tuple(p.emails), p.phone, None
        )  # fmt: skip
    else:
        origin, external_id, emails, phone, admin = "admin", None, (p.email,), None, p.admin_id
    return ClientRecord(
        client_record_id=client_record_id(p.studio_id, p.account_id),
        studio_id=p.studio_id,
        original_account_id=p.account_id,
        account_id=p.account_id,
        origin=origin,
        external_client_id=external_id,
        given_name=p.given_name,
        family_name=p.family_name,
        emails=emails,
        phone=phone,
        created_by=admin,
        created_at=event.time,
        updated_at=event.time,
    )


def record_created(r: ClientRecord) -> ClientRecordCreated:
    """ClientRecordCreated for a newly filed record."""
    return ClientRecordCreated(
        client_record_id=r.client_record_id,
        account_id=r.account_id,
        studio_id=r.studio_id,
        origin="import" if r.origin == "import" else "admin",
        external_client_id=r.external_client_id,
        given_name=r.given_name,
        family_name=r.family_name,
    )


def proposed(p: Proposal) -> MergeProposed:
    """MergeProposed for one proposal (one candidate: its record)."""
    candidate = MergeCandidate(
        account_id=p.matched_account_id, studio_id=p.studio_id, client_record_id=p.client_record_id
    )
    return MergeProposed(
        proposal_id=p.proposal_id,
        account_id=p.account_id,
        email=p.email,
        candidates=[candidate],
        expires_at=p.expires_at,
    )


def rejected(p: Proposal, reason: Any) -> MergeRejected:
    """MergeRejected for a declined or withdrawn proposal."""
    return MergeRejected(
        proposal_id=p.proposal_id,
        account_id=p.account_id,
        rejected_account_ids=[p.matched_account_id],
        reason=reason,
    )


def merged(m: Merge) -> ClientsMerged:
    """ClientsMerged for one merge."""
    return ClientsMerged(
        proposal_id=m.proposal_id,
        surviving_account_id=m.to_account_id,
        merged_account_ids=[m.from_account_id],
        studio_id=m.studio_id,
        client_record_id=m.client_record_id,
        merged_by=m.merged_by,
        merged_by_role=m.merged_by_role,
    )
