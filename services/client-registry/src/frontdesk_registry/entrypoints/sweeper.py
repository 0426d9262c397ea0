"""The expiry sweeper: a background task closing proposals whose time ran out."""

from __future__ import annotations

from frontdesk_kit.runtime import Task, periodic
from frontdesk_registry.service_layer.proposals import expire_due_proposals
from frontdesk_registry.service_layer.unit_of_work import Registry


def expiry_sweeper(reg: Registry, every: float) -> Task:
    """A task that closes every due proposal (MergeProposalExpired), then waits `every`
    seconds, until the service stops."""

    async def sweep() -> None:
        while await expire_due_proposals(reg) > 0:
            pass

    return periodic(sweep, every, "expiry sweep")
