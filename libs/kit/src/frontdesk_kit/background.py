"""Work a request starts and does not wait for, bounded, and finished before shutdown.

A request whose answer must not depend on what the work finds (identity's forgot-password
and signup answer the same whether or not the address is known) hands the work here and
answers after a fixed time, whatever the work does or how long it takes under load:

    await work.start(partial(reset_if_known, deps, cmd))  # waits only for a free slot
    await asyncio.sleep(remaining)  # the answer's time is the same for all

At most `limit` pieces of work run at once; `start` waits for a slot when all are taken,
and that wait happens before the work looks at anything, so it is the same for every
caller. The caller was already answered, so an outage (PostgreSQL restarting: the work's
transaction did not commit) is waited out: the work is started again with backoff for up
to `patience` seconds. A piece that fails otherwise, or for longer, is logged (its
exception's type, never its arguments) and counted. `drain` waits for what is running
when the service stops.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from .retries import RetryPolicy, through_outages

log = logging.getLogger("frontdesk.background")


class BackgroundWork:
    """At most `limit` unawaited pieces of work at once; `drain` finishes them."""

    def __init__(
        self, limit: int, name: str, *, patience: float = 60.0, backoff: RetryPolicy | None = None
    ) -> None:
        self._slots = asyncio.Semaphore(limit)
        self._running: set[asyncio.Task[None]] = set()
        self._name = name
        self._patience = patience
        self._backoff = backoff or RetryPolicy()
        self.failed = 0

    @property
    def running(self) -> int:
        """Pieces of work started and not finished."""
        return len(self._running)

    async def start(self, work: Callable[[], Awaitable[object]]) -> None:
        """Start `work()` once a slot is free; return without waiting for it. `work` is
        called again when an outage made it fail (see the module's docstring)."""
        await self._slots.acquire()
        task = asyncio.create_task(self._run(work), name=self._name)
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def drain(self, timeout: float | None = None) -> None:
        """Wait until every piece started so far has finished (at most `timeout` seconds)."""
        if self._running:
            await asyncio.wait(set(self._running), timeout=timeout)

    async def _run(self, work: Callable[[], Awaitable[object]]) -> None:
        try:
            await through_outages(work, self._backoff, self._name, patience=self._patience)
        except Exception as error:  # noqa: BLE001 - no caller to tell: logged and counted
            self.failed += 1
            log.error(f"{self._name} failed", extra={"error": type(error).__name__})
        finally:
            self._slots.release()
