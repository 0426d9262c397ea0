"""The sender loop: workers that claim due messages, keep their claims and deliver them.

Each worker claims a small batch (`FOR UPDATE SKIP LOCKED` plus a short lease under a
fresh claim token, so several instances share the queue) and delivers it over a pooled
SMTP connection. While it works through the batch, a renewer extends the lease of the
messages it still holds every `lease / 3`, so a live worker keeps its claims however
long the batch takes, and a killed instance's claims come back within one lease.
Workers sleep until a new message is queued in this process or the poll interval passes
(another instance's messages, and retries that fell due).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from uuid import UUID

from ..domain.delivery import QueuedMessage
from ..service_layer.deps import Deps
from ..service_layer.sending import ClaimLost, OutcomeNotRecorded, claim_due, deliver, release
from ..service_layer.sending import renew as renew_claims

log = logging.getLogger("frontdesk.notifications.sender")


@dataclass
class HeldClaim:
    """What one worker's claim still holds: the messages not started yet, the one in
    flight, and when the lease was last known to be extended (the loop's clock)."""

    token: UUID
    waiting: set[UUID]
    renewed_at: float
    in_flight: UUID | None = None

    def asked(self) -> list[UUID]:
        """The messages whose lease a renewal extends."""
        return [*self.waiting, *([self.in_flight] if self.in_flight else [])]


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
        self._renew_every = lease_seconds / 3
        self._wake = asyncio.Event()
        self.delivered = 0
        self.renewals_failed = 0
        """Lease renewals that failed (the database did not answer), since start."""
        self.claims_lost = 0
        """Claimed messages found taken by another instance's claim: not sent here."""

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
        if not claimed:
            return False
        token = claimed[0].claim_token
        assert token is not None  # every claimed message carries its claim's token
        held = HeldClaim(token, {m.id for m in claimed}, _clock())
        async with self._renewing(held):
            for message in claimed:
                if message.id not in held.waiting:
                    continue  # lost at a renewal: another instance sends it
                held.waiting.discard(message.id)
                held.in_flight = message.id
                try:
                    await self._deliver_one(held, message)
                except asyncio.CancelledError:
                    # Shutting down: hand back what was not started. The message in flight
                    # keeps its lease: the server may have accepted it (sent twice at most).
                    await asyncio.shield(self._release(held))
                    raise
                held.in_flight = None
        return True

    async def _deliver_one(self, held: HeldClaim, message: QueuedMessage) -> None:
        while True:
            try:
                await deliver(self._deps, message, self._lease_seconds)
            except ClaimLost:
                self._lost(1, "claimed message taken by another instance; not sent here")
                return
            except OutcomeNotRecorded as error:
                log.error("outcome not recorded; sent again later", extra={"error": repr(error)})
                return
            except Exception as error:
                # Nothing was attempted (the database failed before the send): try again
                # while the claim may still be ours; past that the lease brings it back.
                if _clock() - held.renewed_at >= self._lease_seconds:
                    raise
                log.warning("delivery not started; retrying", extra={"error": repr(error)})
                await asyncio.sleep(self._poll_interval)
                continue
            self.delivered += 1
            return

    @contextlib.asynccontextmanager
    async def _renewing(self, held: HeldClaim) -> AsyncIterator[None]:
        renewer = asyncio.create_task(self._renew_while_held(held))
        try:
            yield
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer

    async def _renew_while_held(self, held: HeldClaim) -> None:
        while True:
            await asyncio.sleep(self._renew_every)
            asked, started = held.asked(), _clock()
            try:
                still = await renew_claims(self._deps, held.token, asked, self._lease_seconds)
            except Exception as error:  # noqa: BLE001 - the next renewal tries again
                self.renewals_failed += 1
                log.warning("lease renewal failed", extra={"error": repr(error)})
                continue
            held.renewed_at = started
            # Only messages not started yet are dropped here; the one in flight is checked
            # by the delivery itself (before the send and when recording).
            lost = held.waiting & (set(asked) - still)
            if lost:
                held.waiting -= lost
                self._lost(len(lost), "claims lost at renewal; those messages are not sent here")

    def _lost(self, count: int, why: str) -> None:
        self.claims_lost += count
        log.warning(why, extra={"count": count})

    async def _release(self, held: HeldClaim) -> None:
        if held.waiting:
            await release(self._deps, held.token, list(held.waiting))


def _clock() -> float:
    return asyncio.get_running_loop().time()
