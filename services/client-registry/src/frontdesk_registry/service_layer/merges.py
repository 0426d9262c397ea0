"""Confirming a proposal: the merge of one studio record into the confirming account.

Every confirmation of a record first locks the record's row, then its proposal, so
concurrent ones serialise: the first merges (and withdraws the record's other open
proposals), the later ones find their proposal withdrawn.
"""

from __future__ import annotations

from datetime import datetime

from frontdesk_contracts import new_event
from frontdesk_registry.domain.commands import ConfirmProposal
from frontdesk_registry.domain.errors import ProposalNotFound, RecordMergedElsewhere
from frontdesk_registry.domain.proposals import Confirmation, Merge, Proposal, confirm
from frontdesk_registry.domain.records import ClientRecord
from frontdesk_registry.service_layer.messages import merged, rejected
from frontdesk_registry.service_layer.unit_of_work import Registry, UnitOfWork


async def confirm_proposal(reg: Registry, cmd: ConfirmProposal) -> Merge:
    """Merge the proposal's studio record into the confirming account, exactly once;
    confirming a confirmed proposal again answers the same merge."""
    async with reg.units.transaction() as uow:
        proposal, record = await _lock(uow, cmd)
        outcome = await _settle(reg, uow, proposal, record)
    if isinstance(outcome, RecordMergedElsewhere):
        raise outcome  # raised after commit: the withdrawal and MergeRejected are kept
    return outcome


async def _lock(uow: UnitOfWork, cmd: ConfirmProposal) -> tuple[Proposal, ClientRecord | None]:
    peek = await uow.store.proposal(cmd.account_id, cmd.proposal_id)
    if peek is None:
        raise ProposalNotFound("no such merge proposal")
    record = await uow.store.record(peek.client_record_id, lock=True)  # lock order: record first
    proposal = await uow.store.proposal(cmd.account_id, cmd.proposal_id, lock=True)
    assert proposal is not None  # proposals are never deleted
    return proposal, record


async def _settle(
    reg: Registry, uow: UnitOfWork, proposal: Proposal, record: ClientRecord | None
) -> Merge | RecordMergedElsewhere:
    if proposal.status == "confirmed":
        earlier = await uow.store.merge_of_proposal(proposal.proposal_id)
        assert earlier is not None  # a confirmed proposal made its merge
        return earlier
    proven_email = await uow.store.verified_email(proposal.account_id)
    now = reg.clock()
    try:
        done = confirm(proposal, record, proven_email, now)
    except RecordMergedElsewhere as refused:
        await _withdraw(uow, proposal, now)
        return refused
    await _record(uow, done, now)
    return done.merge


async def _record(uow: UnitOfWork, done: Confirmation, now: datetime) -> None:
    await uow.store.save_record_link(done.record)
    await uow.store.add_merge(done.merge)
    await uow.store.save_proposal(done.proposal)
    others = await uow.store.other_pending_proposals(
        done.record.client_record_id, done.proposal.proposal_id
    )
    for other in others:
        await _withdraw(uow, other, now)
    await uow.publish(new_event(merged(done.merge)))


async def _withdraw(uow: UnitOfWork, proposal: Proposal, now: datetime) -> None:
    withdrawn = proposal.withdrawn(now)
    await uow.store.save_proposal(withdrawn)
    await uow.publish(new_event(rejected(withdrawn, "record_merged_elsewhere")))
