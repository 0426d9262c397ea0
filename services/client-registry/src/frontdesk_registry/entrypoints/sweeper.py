"""The expiry sweeper: a background loop closing proposals whose time ran out."""

from __future__ import annotations

import asyncio
import logging

from frontdesk_kit.runtime import Task
from frontdesk_registry.service_layer.proposals import expire_due_proposals
from frontdesk_registry.service_layer.unit_of_work import Registry

log = logging.getLogger("frontdesk.registry.sweeper")


def expiry_sweeper(reg: Registry, every: float) -> Task:
    """A task that closes every due proposal (MergeProposalExpired), then waits `every`
    seconds, until it is cancelled."""

    async def sweep_expired_proposals() -> None:
        while True:
            try:
                while await expire_due_proposals(reg) > 0:
                    pass
            except Exception as error:  # noqa: BLE001 - database away: try again next round
                log.warning("expiry sweep failed", extra={"error": type(error).__name__})
            await asyncio.sleep(every)

    return sweep_expired_proposals
