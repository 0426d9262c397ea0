"""The async face of the message store: delivery with group commit, queries, waiting for mail."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from frontdesk_devmail.store import (
    Incoming,
    MessageQuery,
    MessageStore,
    StorageError,
    StoredMessage,
)

log = logging.getLogger(__name__)

MAX_WAIT_SECONDS = 60.0
MAX_BATCH = 500
"""Most messages written in one transaction."""
CHECKPOINT_EVERY = 1000
"""Messages between two WAL checkpoints."""


_Delivery = tuple[Incoming, "asyncio.Future[StoredMessage]"]  # a sender waiting for its answer


class InboxClosedError(RuntimeError):
    """Raised to waiters when the server shuts down."""


class Inbox:
    """Received messages, shared by the SMTP handler and the web app on one event loop.

    Waiting on the disk (fsync, checkpoints) and parsing run in worker threads,
    so a slow disk never stalls SMTP sessions or HTTP requests; commits run on
    the loop, as they only reach the page cache (see ``frontdesk_devmail.store``).
    The in-memory index of envelopes answers at once.
    """

    def __init__(self, store: MessageStore) -> None:
        """Serve the messages of an opened ``store``."""
        self._store = store
        self._arrived = asyncio.Event()  # set, then replaced, whenever messages are stored
        self._closed = False
        self._pending: list[_Delivery] = []
        self._commit_scheduled = False
        # Threads of its own, one for the fsync and one for a checkpoint: an
        # fsync never queues behind other work (the default executor may be
        # filled by blocking callers in the same process).
        self._syncers = ThreadPoolExecutor(2, thread_name_prefix="devmail-sync")
        self._unsynced: list[tuple[list[_Delivery], list[StoredMessage]]] = []
        self._syncing: asyncio.Future[None] | None = None
        self._in_flight: set[asyncio.Future[None]] = set()
        self._uncheckpointed = 0
        self._checkpointing = False
        self.waiting = 0
        """How many requests are waiting for a message right now."""

    async def deliver(
        self, raw: bytes, envelope_from: str, recipients: Sequence[str]
    ) -> StoredMessage:
        """Store a received message; returns once it is on disk, with its id.

        Group commit: every message whose data came in during one turn of the
        event loop goes into one transaction, committed at once; one fsync then
        makes durable every batch committed while the previous fsync ran. Raises
        ``StorageError`` if the message could not be stored (if only the fsync
        failed, the message may show in the inbox though its sender was refused).
        """
        received = Incoming(raw, envelope_from, tuple(recipients), datetime.now(UTC))
        loop = asyncio.get_running_loop()
        stored: asyncio.Future[StoredMessage] = loop.create_future()
        self._pending.append((received, stored))
        if not self._commit_scheduled:
            self._commit_scheduled = True
            loop.call_soon(self._commit_pending)
        return await stored

    def find(self, query: MessageQuery) -> list[StoredMessage]:
        """The messages matching ``query``, oldest first (may parse headers: call off the loop)."""
        return self._store.find(query)

    def get(self, message_id: int) -> StoredMessage | None:
        """The message with this id, or None."""
        return self._store.get(message_id)

    async def raw(self, message_id: int) -> bytes | None:
        """The message exactly as received, or None."""
        return await asyncio.to_thread(self._store.raw, message_id)

    async def delete(self, message_id: int) -> bool:
        """Delete one message; False if there was none with this id."""
        return await asyncio.to_thread(self._store.delete, message_id)

    async def clear(self) -> int:
        """Delete every message; returns how many there were."""
        return await asyncio.to_thread(self._store.clear)

    async def wait_for(self, query: MessageQuery, seconds: float) -> StoredMessage | None:
        """The oldest message matching ``query``, waiting up to ``seconds`` for one.

        Returns None if none came in time; raises ``InboxClosedError`` if the
        server shuts down meanwhile. ``seconds`` is capped at ``MAX_WAIT_SECONDS``.
        """
        self.waiting += 1
        try:
            async with asyncio.timeout(min(seconds, MAX_WAIT_SECONDS)):
                return await self._first_arrival(query)
        except TimeoutError:
            return None
        finally:
            self.waiting -= 1

    async def close(self) -> None:
        """Release every waiter, so shutdown never waits for a long poll; finish pending writes."""
        self._closed = True
        self._announce_arrivals()
        if self._commit_scheduled:
            self._commit_pending()
        while self._in_flight:  # an fsync that ends may start the next one
            await asyncio.wait(set(self._in_flight))
        self._syncers.shutdown(wait=False)

    async def _first_arrival(self, query: MessageQuery) -> StoredMessage:
        checked = query
        while not self._closed:
            newest = self._store.last_id
            found = await asyncio.to_thread(self._store.find, checked, 1)
            if found:
                return found[0]
            # Ids only grow: next time, look only at what came after this look.
            checked = dataclasses.replace(query, since_id=max(query.since_id or 0, newest))
            while not (self._closed or self._store.last_id > newest):
                await self._arrived.wait()
        raise InboxClosedError("the mail server is shutting down")

    def _announce_arrivals(self) -> None:
        self._arrived.set()
        self._arrived = asyncio.Event()

    def _commit_pending(self) -> None:
        self._commit_scheduled = False
        pending, self._pending = self._pending, []
        for start in range(0, len(pending), MAX_BATCH):
            self._commit(pending[start : start + MAX_BATCH])

    def _commit(self, batch: list[_Delivery]) -> None:
        try:
            # Page cache only: tens of microseconds, less than a thread hop costs.
            # (It waits for a delete or clear in progress, which are rare.)
            stored = self._store.add_many([item for item, _ in batch])
        except StorageError as error:
            _settle(batch, error)
            return
        self._unsynced.append((batch, stored))
        if not self._store.fsync:
            self._stored(self._take_unsynced(), None)
        elif self._syncing is None:
            self._start_sync()

    def _take_unsynced(self) -> list[tuple[list[_Delivery], list[StoredMessage]]]:
        taken, self._unsynced = self._unsynced, []
        return taken

    def _start_sync(self) -> None:
        # One fsync at a time: it covers every batch committed before it began,
        # and the batches committed meanwhile share the next one.
        loop = asyncio.get_running_loop()
        self._syncing = loop.run_in_executor(self._syncers, self._store.sync)
        self._in_flight.add(self._syncing)
        self._syncing.add_done_callback(functools.partial(self._stored, self._take_unsynced()))

    def _stored(
        self,
        batches: list[tuple[list[_Delivery], list[StoredMessage]]],
        synced: asyncio.Future[None] | None,
    ) -> None:
        error: BaseException | None = None
        if synced is not None:
            self._in_flight.discard(synced)
            self._syncing = None
            cancelled = synced.cancelled()
            error = StorageError("the fsync was cancelled") if cancelled else synced.exception()
            if self._unsynced:
                self._start_sync()
        for batch, stored in batches:
            _settle(batch, stored if error is None else error)
        if error is None:
            self._announce_arrivals()
            self._checkpoint_now_and_then(sum(len(stored) for _, stored in batches))

    def _checkpoint_now_and_then(self, committed: int) -> None:
        self._uncheckpointed += committed
        if self._uncheckpointed >= CHECKPOINT_EVERY and not (self._checkpointing or self._closed):
            self._uncheckpointed, self._checkpointing = 0, True
            loop = asyncio.get_running_loop()
            checkpoint = loop.run_in_executor(self._syncers, self._store.checkpoint)
            self._in_flight.add(checkpoint)
            checkpoint.add_done_callback(self._checkpointed)

    def _checkpointed(self, done: asyncio.Future[None]) -> None:
        self._in_flight.discard(done)
        self._checkpointing = False
        if not done.cancelled() and done.exception() is not None:
            log.warning("WAL checkpoint failed (retried later): %s", done.exception())


def _settle(batch: list[_Delivery], outcome: list[StoredMessage] | BaseException) -> None:
    """Answer every sender of ``batch`` still waiting: its stored message, or the error."""
    for n, (_, future) in enumerate(batch):
        if future.done():  # its SMTP session is gone
            continue
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome[n])
