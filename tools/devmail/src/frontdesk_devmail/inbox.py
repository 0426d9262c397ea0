"""The async face of the message store: delivery, queries and waiting for mail."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from frontdesk_devmail.store import MessageQuery, MessageStore, StoredMessage

MAX_WAIT_SECONDS = 60.0


class InboxClosedError(RuntimeError):
    """Raised to waiters when the server shuts down."""


class Inbox:
    """Received messages, shared by the SMTP handler and the web app on one event loop.

    Disk I/O runs in worker threads so a slow disk never stalls SMTP sessions
    or HTTP requests; reads of the in-memory index are immediate.
    """

    def __init__(self, store: MessageStore) -> None:
        """Serve the messages of an opened ``store``."""
        self._store = store
        self._changed = asyncio.Condition()
        self._closed = False
        self.waiting = 0
        """How many requests are waiting for a message right now."""

    async def deliver(
        self, raw: bytes, envelope_from: str, recipients: Sequence[str]
    ) -> StoredMessage:
        """Store a received message and wake everyone waiting for mail."""
        message = await asyncio.to_thread(self._store.add, raw, envelope_from, recipients)
        async with self._changed:
            self._changed.notify_all()
        return message

    def find(self, query: MessageQuery) -> list[StoredMessage]:
        """The messages matching ``query``, oldest first."""
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
        found: list[StoredMessage] = []

        def arrived() -> bool:
            if self._closed:
                return True
            found[:] = self._store.find(query)[:1]
            return bool(found)

        self.waiting += 1
        try:
            async with asyncio.timeout(min(seconds, MAX_WAIT_SECONDS)), self._changed:
                await self._changed.wait_for(arrived)
        except TimeoutError:
            return None
        finally:
            self.waiting -= 1
        if not found:
            raise InboxClosedError("the mail server is shutting down")
        return found[0]

    async def close(self) -> None:
        """Release every waiter, so shutdown never waits for a long poll."""
        self._closed = True
        async with self._changed:
            self._changed.notify_all()
