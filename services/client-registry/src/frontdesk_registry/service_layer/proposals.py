"""Merge proposals: offered when a verified signup matches studio records, declined by
the client, closed by the expiry sweeper, previewed in the app."""

from __future__ import annotations

from frontdesk_contracts import (
    AccountMatch,
    Envelope,
    MergeProposalExpired,
    SignupMatchedExisting,
    new_event,
)
from frontdesk_registry.domain.commands import DeclineProposal
from frontdesk_registry.domain.errors import ProposalNotFound
from frontdesk_registry.domain.proposals import OpenProposal, Proposal, decide_offer
from frontdesk_registry.service_layer.messages import proposed, rejected
from frontdesk_registry.service_layer.unit_of_work import Registry, UnitOfWork


async def propose_merges(reg: Registry, event: Envelope[SignupMatchedExisting]) -> None:
    """Offer each matching studio record to the verified signup: one proposal per record."""

    async def effect(uow: UnitOfWork) -> None:
        for match in event.payload.matches:
            if match.account_id != event.payload.account_id:  # its own record: no offer
                await _offer(reg, uow, event, match)

    await reg.units.once(event.id, effect)


async def _offer(
    reg: Registry, uow: UnitOfWork, event: Envelope[SignupMatchedExisting], match: AccountMatch
) -> None:
    p = event.payload
    fresh = Proposal.offer(
        str(event.id), p.account_id, p.email, match.studio_id, match.account_id,
        event.time, reg.proposal_lifetime,
    )  # fmt: skip
    record_id = fresh.client_record_id
    record = await uow.store.record(record_id, lock=True)  # a merge of it waits, or went first
    pending = await uow.store.pending_proposal(p.account_id, record_id)
    declined = await uow.store.declined_before(p.account_id, record_id)
    match decide_offer(record, pending is not None, declined):
        case "skip":
            return
        case "renew":
            assert pending is not None
            proposal = pending.renewed(fresh.expires_at)
            await uow.store.save_proposal(proposal)
        case "new":
            proposal = fresh
            await uow.store.add_proposal(proposal)
    await uow.publish(new_event(proposed(proposal), cause=event))


async def decline_proposal(reg: Registry, cmd: DeclineProposal) -> Proposal:
    """Decline one proposal; the record stays with its own account."""
    async with reg.units.transaction() as uow:
        proposal = await uow.store.proposal(cmd.account_id, cmd.proposal_id, lock=True)
        if proposal is None:
            raise ProposalNotFound("no such merge proposal")
        declined = proposal.declined(reg.clock())
        if declined is not proposal:
            await uow.store.save_proposal(declined)
            await uow.publish(new_event(rejected(declined, "declined")))
    return declined


async def expire_due_proposals(reg: Registry, limit: int = 200) -> int:
    """Close the open proposals whose time ran out; returns how many."""
    async with reg.units.transaction() as uow:
        due = await uow.store.due_proposals(reg.clock(), limit)
        for proposal in due:
            await uow.store.save_proposal(proposal.expired(reg.clock()))
            expired = MergeProposalExpired(
                proposal_id=proposal.proposal_id, account_id=proposal.account_id
            )
            await uow.publish(new_event(expired))
    return len(due)


async def proposal_previews(reg: Registry, account_id: str) -> list[OpenProposal]:
    """The account's open proposals, each with what the app previews of the record."""
    async with reg.units.transaction() as uow:
        return await uow.store.proposal_previews(account_id, reg.clock())
