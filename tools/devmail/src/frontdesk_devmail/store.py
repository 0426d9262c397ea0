"""Durable storage of received messages: raw .eml files plus an append-only journal.

Layout of the data directory::

    index.jsonl          one JSON object a line: {"op": "stored", ...},
                         {"op": "deleted", "id": N} or {"op": "cleared", "last_id": N}
    messages/N.eml       the message exactly as received over SMTP

The journal holds the envelope (sender, recipients, time), which the .eml does
not; everything else is parsed again from the .eml when the store opens. Ids
increase and are never reused, not even after a clear, so a test can wait for
"anything after id N". The store is synchronous and thread-safe; the async
side (``Inbox``) runs its writes in a worker thread.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from frontdesk_devmail.parsing import ParsedMessage, parse_message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredMessage:
    """A received message: its envelope, when it arrived, and its parsed content."""

    id: int
    received_at: datetime
    envelope_from: str
    recipients: tuple[str, ...]
    content: ParsedMessage


@dataclass(frozen=True)
class MessageQuery:
    """Which messages a listing or a wait is about; every given criterion must hold.

    ``to`` matches one envelope recipient exactly, ignoring case;
    ``subject_contains`` matches part of the subject, ignoring case;
    ``since_id`` keeps messages with a larger id.
    """

    to: str | None = None
    subject_contains: str | None = None
    since_id: int | None = None

    def matches(self, message: StoredMessage) -> bool:
        """Whether ``message`` satisfies every criterion."""
        if self.since_id is not None and message.id <= self.since_id:
            return False
        if self.to is not None and self.to.casefold() not in {
            r.casefold() for r in message.recipients
        }:
            return False
        subject = message.content.subject.casefold()
        return self.subject_contains is None or self.subject_contains.casefold() in subject


class MessageStore:
    """Every received message, on disk and mirrored in memory for fast queries."""

    def __init__(self, data_dir: Path) -> None:
        """Use ``data_dir`` (created if missing); call ``load()`` before anything else."""
        self._data_dir = data_dir
        self._messages_dir = data_dir / "messages"
        self._journal = data_dir / "index.jsonl"
        self._lock = threading.Lock()
        self._messages: dict[int, StoredMessage] = {}
        self._last_id = 0

    @classmethod
    def open(cls, data_dir: Path) -> MessageStore:
        """Open (or create) the store in ``data_dir`` and load what it already holds."""
        store = cls(data_dir)
        store.load()
        return store

    def load(self) -> None:
        """Replay the journal and parse every message still on disk."""
        self._messages_dir.mkdir(parents=True, exist_ok=True)
        envelopes: dict[int, dict[str, Any]] = {}
        for entry in self._journal_entries():
            self._last_id = max(self._last_id, int(entry.get("id", entry.get("last_id", 0))))
            op = entry.get("op")
            if op == "stored":
                envelopes[int(entry["id"])] = entry
            elif op == "deleted":
                envelopes.pop(int(entry["id"]), None)
            elif op == "cleared":
                envelopes.clear()
        for message_id, entry in envelopes.items():
            message = self._load_message(message_id, entry)
            if message is not None:
                self._messages[message_id] = message
        log.info("loaded %d stored messages from %s", len(self._messages), self._data_dir)

    def add(self, raw: bytes, envelope_from: str, recipients: Sequence[str]) -> StoredMessage:
        """Keep a message that was just received; it is on disk when this returns."""
        content = parse_message(raw)
        with self._lock:
            self._last_id += 1
            message = StoredMessage(
                id=self._last_id,
                received_at=datetime.now(UTC),
                envelope_from=envelope_from,
                recipients=tuple(recipients),
                content=content,
            )
            self._write_eml(message.id, raw)
            self._append({"op": "stored", **_envelope_entry(message)})
            self._messages[message.id] = message
        return message

    def get(self, message_id: int) -> StoredMessage | None:
        """The message with this id, or None."""
        with self._lock:
            return self._messages.get(message_id)

    def find(self, query: MessageQuery) -> list[StoredMessage]:
        """The messages matching ``query``, oldest first."""
        with self._lock:
            messages = sorted(self._messages.values(), key=lambda m: m.id)
        return [m for m in messages if query.matches(m)]

    def raw(self, message_id: int) -> bytes | None:
        """The message exactly as received, or None."""
        with self._lock:
            if message_id not in self._messages:
                return None
            return self._eml_path(message_id).read_bytes()

    def delete(self, message_id: int) -> bool:
        """Delete one message; False if there was none with this id."""
        with self._lock:
            if self._messages.pop(message_id, None) is None:
                return False
            self._append({"op": "deleted", "id": message_id})
            self._eml_path(message_id).unlink(missing_ok=True)
            return True

    def clear(self) -> int:
        """Delete every message and compact the journal; returns how many there were."""
        with self._lock:
            count = len(self._messages)
            self._rewrite_journal([{"op": "cleared", "last_id": self._last_id}])
            for path in self._messages_dir.glob("*.eml"):
                path.unlink(missing_ok=True)
            self._messages.clear()
            return count

    def _journal_entries(self) -> Iterable[dict[str, Any]]:
        if not self._journal.exists():
            return
        with self._journal.open(encoding="utf-8") as journal:
            for number, line in enumerate(journal, start=1):
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    # A crash can leave a half-written last line; its .eml was
                    # never acknowledged to the sender, so skipping it is right.
                    log.warning("skipping unreadable line %d of %s", number, self._journal)
                    continue
                yield entry

    def _load_message(self, message_id: int, entry: dict[str, Any]) -> StoredMessage | None:
        path = self._eml_path(message_id)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            log.warning("message %d is in the journal but %s is missing", message_id, path)
            return None
        return StoredMessage(
            id=message_id,
            received_at=datetime.fromisoformat(entry["received_at"]),
            envelope_from=entry["envelope_from"],
            recipients=tuple(entry["recipients"]),
            content=parse_message(raw),
        )

    def _eml_path(self, message_id: int) -> Path:
        return self._messages_dir / f"{message_id}.eml"

    def _write_eml(self, message_id: int, raw: bytes) -> None:
        partial = self._messages_dir / f"{message_id}.eml.partial"
        partial.write_bytes(raw)
        os.replace(partial, self._eml_path(message_id))

    def _append(self, entry: dict[str, Any]) -> None:
        with self._journal.open("a", encoding="utf-8") as journal:
            journal.write(json.dumps(entry) + "\n")

    def _rewrite_journal(self, entries: list[dict[str, Any]]) -> None:
        partial = self._journal.with_suffix(".jsonl.partial")
        partial.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")
        os.replace(partial, self._journal)


def _envelope_entry(message: StoredMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "received_at": message.received_at.isoformat(),
        "envelope_from": message.envelope_from,
        "recipients": list(message.recipients),
    }
