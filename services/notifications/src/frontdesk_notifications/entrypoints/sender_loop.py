"""The sender loop: workers that claim due messages and deliver them.

Each worker claims a small batch (`FOR UPDATE SKIP LOCKED` plus a lease, so several
instances share the queue and a crashed instance's claims come back after the lease)
and delivers it over a pooled SMTP connection. Workers sleep until a new message is
queued in this process or the poll interval passes (another instance's messages, and
retries that fell due).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from ..domain.delivery import QueuedMessage
from ..service_layer.deps import Deps
from ..service_layer.sending import claim_due, deliver, release

log = logging.getLogger("frontdesk.notifications.sender")


class SenderLoop:
    """`concurrency` workers delivering the outgoing-message log's due messages."""

    def __init__(
        self,
        deps: Deps,
        *,
        concurrency: int,
        batch: int,
        poll_interval: float,
        lease_seconds: float,
    ) -> None:
        self._deps = deps
        self._concurrency = concurrency
        self._batch = batch
        self._poll_interval = poll_interval
        self._lease_seconds = lease_seconds
        self._wake = asyncio.Event()
        self.delivered = 0

    def wake(self) -> None:
        """Something was queued: stop sleeping."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver until cancelled."""
        async with asyncio.TaskGroup() as group:
            for _ in range(self._concurrency):
                group.create_task(self._work())

    async def _work(self) -> None:
        while True:
            # Clear before claiming: a wake-up that arrives during the claim is kept.
            self._wake.clear()
            try:
                worked = await self._deliver_batch()
            except Exception as error:  # noqa: BLE001 - database down: the lease brings them back
                log.warning("sender pass failed; retrying", extra={"error": repr(error)})
                worked = False
            if not worked:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._poll_interval):
                        await self._wake.wait()

    async def _deliver_batch(self) -> bool:
        claimed = await claim_due(self._deps, self._batch, self._lease_seconds)
        for position, message in enumerate(claimed):
            try:
                await deliver(self._deps, message)
            except asyncio.CancelledError:
                # Shutting down: hand back what was not started. The message in flight
                # keeps its lease: the server may have accepted it (sent twice at most).
                await asyncio.shield(self._release(claimed[position + 1 :]))
                raise
            self.delivered += 1
        return bool(claimed)

    async def _release(self, messages: list[QueuedMessage]) -> None:
        if messages:
            await release(self._deps, [m.id for m in messages])
