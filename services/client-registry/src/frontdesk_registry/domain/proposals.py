"""Merge proposals and the merge itself: who may confirm what, and what the record becomes.

Merge field policy (see the service README): the studio record keeps every field the
studio holds (names, phone, studio addresses, external id, origin, timestamps); only the
link changes, to the surviving account, whose login data (username, password, login
address and its proof, sessions) identity keeps. Nothing is copied between the two.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from frontdesk_registry.domain.errors import (
    OwnershipNotProven,
    ProposalClosed,
    ProposalExpired,
    RecordMergedElsewhere,
    RecordNotFiledYet,
)
from frontdesk_registry.domain.records import ClientRecord, client_record_id, mask_phone

ProposalStatus = Literal["pending", "confirmed", "declined", "expired", "withdrawn"]
Offer = Literal["new", "renew", "skip"]
Role = Literal["client", "admin"]

_PROPOSAL_IDS = uuid.UUID("5f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b")


def proposal_id(cause_event_id: str, record_id: str) -> str:
    """A proposal's id, derived from the event that caused it and the record offered."""
    return "mp-" + str(uuid.uuid5(_PROPOSAL_IDS, f"{cause_event_id}\x00{record_id}"))


@dataclass(frozen=True)
class Proposal:
    """An offer to one account to merge one studio record into it."""

    proposal_id: str
    account_id: str
    email: str
    studio_id: str
    client_record_id: str
    matched_account_id: str
    status: ProposalStatus
    reason: str | None
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None = None

    @classmethod
    def offer(
        cls,
        cause_event_id: str,
        account_id: str,
        email: str,
        studio_id: str,
        matched_account_id: str,
        at: datetime,
        lifetime: timedelta,
    ) -> Proposal:
        """A new offer to `account_id`, who proved `email` at `at`, of the studio record
        filed for `matched_account_id`; it can be confirmed for `lifetime`."""
        record_id = client_record_id(studio_id, matched_account_id)
        return cls(
            proposal_id=proposal_id(cause_event_id, record_id),
            account_id=account_id,
            email=email,
            studio_id=studio_id,
            client_record_id=record_id,
            matched_account_id=matched_account_id,
            status="pending",
            reason=None,
            created_at=at,
            expires_at=at + lifetime,
        )

    def is_expired(self, now: datetime) -> bool:
        """Whether the proposal's time ran out (whether or not the sweeper has seen it)."""
        return now >= self.expires_at

    def check_confirmable(self, now: datetime, proven_email: str | None) -> None:
        """Raise unless the account may confirm now; a confirmed proposal passes (idempotent).

        `proven_email` is the address a completed signup proved the account owns (from
        identity's SignupCompleted), compared without regard to case.
        """
        if self.status == "confirmed":
            return
        if self.status != "pending":
            raise ProposalClosed(self.status, self.reason)
        if self.is_expired(now):
            raise ProposalExpired("the proposal expired; verify your address again to renew it")
        if proven_email is None or proven_email.lower() != self.email.lower():
            raise OwnershipNotProven(f"prove that you own {self.email} first")

    def renewed(self, expires_at: datetime) -> Proposal:
        """The open proposal offered again: it lasts until `expires_at` if that is later."""
        return dataclasses.replace(self, expires_at=max(self.expires_at, expires_at))

    def declined(self, now: datetime) -> Proposal:
        """The proposal after the client declined it; declining twice changes nothing."""
        if self.status == "declined":
            return self
        if self.status != "pending":
            raise ProposalClosed(self.status, self.reason)
        if self.is_expired(now):
            raise ProposalExpired("the proposal expired")
        return dataclasses.replace(self, status="declined", reason="declined", decided_at=now)

    def closed(self, status: ProposalStatus, reason: str, now: datetime) -> Proposal:
        """The proposal ended as `status` for `reason` (confirmed, withdrawn, expired)."""
        return dataclasses.replace(self, status=status, reason=reason, decided_at=now)

    def withdrawn(self, now: datetime) -> Proposal:
        """The proposal closed because its record was merged into another account."""
        return self.closed("withdrawn", "record_merged_elsewhere", now)

    def expired(self, now: datetime) -> Proposal:
        """The proposal closed by the sweeper: its time ran out."""
        return self.closed("expired", "expired", now)


@dataclass(frozen=True)
class OpenProposal:
    """An open proposal with what the app shows of the studio record it offers."""

    proposal: Proposal
    studio_name: str | None
    given_name: str | None
    family_name: str | None
    phone: str | None

    @property
    def record_name(self) -> str | None:
        """The record's name as the studio typed it; None before the record arrived."""
        return " ".join(p for p in (self.given_name, self.family_name) if p) or None

    @property
    def masked_phone(self) -> str | None:
        """The record's phone with all but its last two digits hidden."""
        return mask_phone(self.phone)


def decide_offer(record: ClientRecord | None, pending: bool, declined_before: bool) -> Offer:
    """Whether a verified signup's match becomes a new proposal, renews one, or is skipped.

    A record already merged (into anyone) is not offered again, nor one the account
    declined; a pending proposal for the same record is renewed rather than doubled.
    """
    if record is not None and record.merged_at is not None:
        return "skip"
    if declined_before:
        return "skip"
    return "renew" if pending else "new"


@dataclass(frozen=True)
class Merge:
    """One studio record relinked to a surviving account: who, when, from what."""

    merge_id: str
    client_record_id: str
    studio_id: str
    proposal_id: str
    from_account_id: str
    to_account_id: str
    merged_by: str
    merged_by_role: Role
    merged_at: datetime
    record_before: dict[str, Any]


@dataclass(frozen=True)
class Confirmation:
    """What a confirmation changes: the relinked record, its merge, the closed proposal."""

    record: ClientRecord
    merge: Merge
    proposal: Proposal


def confirm(
    proposal: Proposal, record: ClientRecord | None, proven_email: str | None, now: datetime
) -> Confirmation:
    """The account confirms `proposal` (of `record`, None while it has not arrived).

    Raises what `Proposal.check_confirmable` raises, RecordNotFiledYet, and
    RecordMergedElsewhere when another merge of the record won.
    """
    proposal.check_confirmable(now, proven_email)
    if record is None:
        raise RecordNotFiledYet("the studio's record has not arrived yet; try again shortly")
    relinked, merge = merge_record(record, proposal, proposal.account_id, "client", now)
    return Confirmation(relinked, merge, proposal.closed("confirmed", "confirmed", now))


def merge_record(
    record: ClientRecord, proposal: Proposal, merged_by: str, role: Role, now: datetime
) -> tuple[ClientRecord, Merge]:
    """Relink `record` to the proposal's account, following the field policy above.

    Raises RecordMergedElsewhere when the record no longer belongs to the account the
    proposal matched: exactly one merge of a record can ever win.
    """
    if record.merged_at is not None or record.account_id != proposal.matched_account_id:
        raise RecordMergedElsewhere("this studio record was already merged into another account")
    merged = dataclasses.replace(
        record, account_id=proposal.account_id, merged_at=now, updated_at=now
    )
    history = Merge(
        merge_id="mg-" + str(uuid.uuid5(_PROPOSAL_IDS, proposal.proposal_id)),
        client_record_id=record.client_record_id,
        studio_id=record.studio_id,
        proposal_id=proposal.proposal_id,
        from_account_id=record.account_id,
        to_account_id=proposal.account_id,
        merged_by=merged_by,
        merged_by_role=role,
        merged_at=now,
        record_before=_snapshot(record),
    )
    return merged, history


def _snapshot(record: ClientRecord) -> dict[str, Any]:
    # JSON-shaped (ISO times, lists), as the history stores and shows it.
    data = dataclasses.asdict(record)
    return {k: _json_value(v) for k, v in data.items()}


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return list(value) if isinstance(value, tuple) else value
