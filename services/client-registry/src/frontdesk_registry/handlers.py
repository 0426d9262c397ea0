"""Use cases: one async function each. Open a transaction, load, ask the domain, record,
queue the events in the outbox, commit.

Event handlers run inside `units.once` (the kit's HandledEvents in PostgreSQL), so a
replayed event changes nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from frontdesk_contracts import (
    AccountCreatedByAdmin,
    AccountImported,
    Envelope,
    FirstLogin,
    MergeProposalExpired,
    SessionsRevoked,
    SignupCompleted,
    SignupMatchedExisting,
    new_event,
)
from frontdesk_registry.adapters.messages import (
    merged,
    proposed,
    record_created,
    record_from,
    rejected,
)
from frontdesk_registry.domain.commands import ConfirmProposal, DeclineProposal, FindClients
from frontdesk_registry.domain.errors import (
    ClientNotFound,
    DomainError,
    ProposalNotFound,
    RecordMergedElsewhere,
    RecordNotFiledYet,
)
from frontdesk_registry.domain.proposals import (
    Merge,
    Proposal,
    decide_offer,
    merge_record,
    proposal_id,
)
from frontdesk_registry.domain.records import AccessState, ClientRecord, client_record_id
from frontdesk_registry.ports import Store, UnitOfWork, UnitsOfWork


def utc_now() -> datetime:
    """The current time in UTC (the default clock)."""
    return datetime.now(UTC)


@dataclass
class Registry:
    """What every use case needs; built once by bootstrap (with fakes in unit tests)."""

    units: UnitsOfWork
    proposal_lifetime: timedelta
    clock: Callable[[], datetime] = utc_now


async def file_client_record(
    reg: Registry, event: Envelope[AccountImported] | Envelope[AccountCreatedByAdmin]
) -> None:
    """File the studio's record of an imported or admin-created account (once)."""

    async def effect(uow: UnitOfWork) -> None:
        repo = uow.store
        record = record_from(event)
        if isinstance(event.payload, AccountCreatedByAdmin):
            await repo.save_studio_name(event.payload.studio_id, event.payload.studio_name)
        if await repo.add_record(record):
            await uow.publish(new_event(record_created(record), cause=event))

    await reg.units.once(event.id, effect)


async def note_verified_email(reg: Registry, event: Envelope[SignupCompleted]) -> None:
    """Remember the address a signup proved: it lets the account confirm merges."""

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


async def propose_merges(reg: Registry, event: Envelope[SignupMatchedExisting]) -> None:
    """Offer each matching studio record to the verified signup: one proposal per record."""

    async def effect(uow: UnitOfWork) -> None:
        repo = uow.store
        for match in event.payload.matches:
            if match.account_id == event.payload.account_id:
                continue
            offer = await _offer(reg, repo, event, match.studio_id, match.account_id)
            if offer is None:
                continue
            proposal, is_new = offer
            await (repo.add_proposal if is_new else repo.save_proposal)(proposal)
            await uow.publish(new_event(proposed(proposal), cause=event))

    await reg.units.once(event.id, effect)


async def confirm_proposal(reg: Registry, cmd: ConfirmProposal) -> Merge:
    """Merge the proposal's studio record into the confirming account, exactly once.

    Every confirmation of a record first locks the record's row, so concurrent ones
    serialise: the first merges, the later ones find their proposal withdrawn.
    """
    async with reg.units.transaction() as uow:
        outcome = await _confirm(reg, uow, cmd)
    if isinstance(outcome, DomainError):
        raise outcome  # raised after commit: the withdrawal and MergeRejected are kept
    return outcome


async def decline_proposal(reg: Registry, cmd: DeclineProposal) -> Proposal:
    """Decline one proposal; the record stays with its own account."""
    async with reg.units.transaction() as uow:
        repo = uow.store
        proposal = await repo.proposal(cmd.account_id, cmd.proposal_id, lock=True)
        if proposal is None:
            raise ProposalNotFound("no such merge proposal")
        declined = proposal.declined(reg.clock())
        if declined is not proposal:
            await repo.save_proposal(declined)
            await uow.publish(new_event(rejected(declined, "declined")))
    return declined


async def expire_due_proposals(reg: Registry, limit: int = 200) -> int:
    """Close the open proposals whose time ran out; returns how many."""
    async with reg.units.transaction() as uow:
        repo = uow.store
        due = await repo.due_proposals(reg.clock(), limit)
        for proposal in due:
            await repo.save_proposal(proposal.closed("expired", "expired", reg.clock()))
            payload = MergeProposalExpired(
                proposal_id=proposal.proposal_id, account_id=proposal.account_id
            )
            await uow.publish(new_event(payload))
    return len(due)


async def proposal_previews(reg: Registry, account_id: str) -> list[dict[str, Any]]:
    """The account's open proposals, each with what the app previews of the record."""
    async with reg.units.transaction() as uow:
        repo = uow.store
        return await repo.proposal_previews(account_id, reg.clock())


async def my_studios(reg: Registry, account_id: str) -> list[tuple[ClientRecord, str | None]]:
    """The studios that know the account: its own records and those merged into it."""
    async with reg.units.transaction() as uow:
        return await uow.store.records_of_account(account_id)


async def token_revoked(reg: Registry, account_id: str, issued_at: datetime) -> bool:
    """Whether identity revoked the account's tokens after this one was issued."""
    async with reg.units.transaction() as uow:
        repo = uow.store
        revoked_before = await repo.revoked_before(account_id)
    return revoked_before is not None and issued_at < revoked_before


async def _confirm(reg: Registry, uow: UnitOfWork, cmd: ConfirmProposal) -> Merge | DomainError:
    repo = uow.store
    peek = await repo.proposal(cmd.account_id, cmd.proposal_id)
    if peek is None:
        raise ProposalNotFound("no such merge proposal")
    record = await repo.record(peek.client_record_id, lock=True)  # lock order: record first
    proposal = await repo.proposal(cmd.account_id, cmd.proposal_id, lock=True)
    assert proposal is not None  # proposals are never deleted
    if proposal.status == "confirmed":
        merge = await repo.merge_of_proposal(proposal.proposal_id)
        assert merge is not None
        return merge
    proven = {e for e in (cmd.token_email, await repo.verified_email(cmd.account_id)) if e}
    now = reg.clock()
    proposal.check_confirmable(now, proven)
    if record is None:
        raise RecordNotFiledYet("the studio's record has not arrived yet; try again shortly")
    try:
        relinked, merge = merge_record(record, proposal, cmd.account_id, "client", now)
    except RecordMergedElsewhere as refused:
        await _withdraw(uow, proposal, now)
        return refused
    await repo.save_record_link(relinked)
    await repo.add_merge(merge)
    await repo.save_proposal(proposal.closed("confirmed", "confirmed", now))
    for other in await repo.other_pending_proposals(record.client_record_id, proposal.proposal_id):
        await _withdraw(uow, other, now)
    await uow.publish(new_event(merged(merge)))
    return merge


async def _withdraw(uow: UnitOfWork, proposal: Proposal, now: datetime) -> None:
    withdrawn = proposal.closed("withdrawn", "record_merged_elsewhere", now)
    await uow.store.save_proposal(withdrawn)
    await uow.publish(new_event(rejected(withdrawn, "record_merged_elsewhere")))


async def _offer(
    reg: Registry,
    repo: Store,
    event: Envelope[SignupMatchedExisting],
    studio_id: str,
    matched_account_id: str,
) -> tuple[Proposal, bool] | None:
    account_id = event.payload.account_id
    record_id = client_record_id(studio_id, matched_account_id)
    record = await repo.record(record_id, lock=True)  # a merge of it waits, or went first
    pending = await repo.pending_proposal(account_id, record_id)
    declined = await repo.declined_before(account_id, record_id)
    expires_at = event.time + reg.proposal_lifetime
    match decide_offer(record, pending is not None, declined):
        case "skip":
            return None
        case "renew":
            assert pending is not None
            return dataclasses.replace(
                pending, expires_at=max(pending.expires_at, expires_at)
            ), False
    new = Proposal(
        proposal_id=proposal_id(str(event.id), record_id),
        account_id=account_id,
        email=event.payload.email,
        studio_id=studio_id,
        client_record_id=record_id,
        matched_account_id=matched_account_id,
        status="pending",
        reason=None,
        created_at=event.time,
        expires_at=expires_at,
    )
    return new, True


async def find_clients(reg: Registry, query: FindClients) -> list[tuple[ClientRecord, AccessState]]:
    """A page of one studio's clients with their access state."""
    async with reg.units.transaction() as uow:
        repo = uow.store
        found = await repo.search_records(
            query.studio_id, query.text, query.state, query.after, query.limit
        )
    return [(record, record.access_state(first_login)) for record, first_login in found]


async def client_with_history(
    reg: Registry, studio_id: str, record_id: str
) -> tuple[ClientRecord, AccessState, list[Merge]]:
    """One studio client, its access state and its merge history."""
    async with reg.units.transaction() as uow:
        repo = uow.store
        found = await repo.record_in_studio(studio_id, record_id)
        if found is None:
            raise ClientNotFound("no such client in this studio")
        record, first_login = found
        return record, record.access_state(first_login), await repo.merges_of(record_id)
