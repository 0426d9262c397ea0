"""Durable storage of received messages: one SQLite database, written in batches.

``DATA_DIR/devmail.sqlite3`` (WAL mode, so also ``-wal`` and ``-shm`` files)
holds a row per message: its id, when it arrived, the envelope (sender and
recipients, which the message itself does not carry) and the message exactly
as received.

Writing is split in two, so the event loop does the cheap half itself:
``add_many`` commits a whole batch in one transaction that only reaches the
page cache (``synchronous=NORMAL``: tens of microseconds, less than a hop to a
thread costs), and ``sync`` then makes every commit so far durable with one
fsync of the WAL file, in a worker thread. The SMTP side answers 250 only after
``sync``, and a burst of concurrent deliveries shares one fsync (group commit,
see ``Inbox.deliver``). This is what ``synchronous=FULL`` does inside the
commit, moved off the loop. Checkpoints (copying the WAL into the database,
with their own fsyncs) are likewise left to ``checkpoint``, called from a
worker thread. With ``fsync=False`` there is no ``sync``: a crash or restart
of devmail still loses nothing, a crash of the machine may lose the last
messages acknowledged.

Opening reads the envelopes only. Nothing is parsed until it is read:
``StoredMessage.headline`` (the headers a listing shows, kept once parsed) and
``StoredMessage.content`` (the whole message, in a small cache). Ids increase
and are never reused, not even after a clear (SQLite's AUTOINCREMENT remembers
the highest id ever given), so a test can wait for "anything after id N". The
store is synchronous and thread-safe; the async side (``Inbox``) runs it in
worker threads.

The earlier layout (``index.jsonl`` and ``messages/*.eml``) is not read: this
is a development tool, so a data directory of that layout starts empty and a
warning at start-up says the old files can be deleted.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from frontdesk_devmail.parsing import Headline, ParsedMessage, parse_headline, parse_message

log = logging.getLogger(__name__)

DATABASE_NAME = "devmail.sqlite3"
PARSED_CACHE_SIZE = 128
"""How many fully parsed messages stay in memory (a page view parses one)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at TEXT NOT NULL,
    envelope_from TEXT NOT NULL,
    recipients TEXT NOT NULL,
    raw BLOB NOT NULL
)
"""
_INSERT = (
    "INSERT INTO messages (id, received_at, envelope_from, recipients, raw) VALUES (?, ?, ?, ?, ?)"
)
_ENVELOPES = "SELECT id, received_at, envelope_from, recipients FROM messages ORDER BY id"
_HIGHEST_ID = "SELECT seq FROM sqlite_sequence WHERE name = 'messages'"


class StorageError(Exception):
    """Messages could not be written (disk full, data directory not writable, ...)."""


@dataclass(frozen=True)
class Incoming:
    """A message just received over SMTP, not stored yet."""

    raw: bytes
    envelope_from: str
    recipients: tuple[str, ...]
    received_at: datetime


@dataclass(slots=True)
class StoredMessage:
    """A stored message: its envelope at once, its content parsed when first read.

    A message deleted meanwhile reads as empty.
    """

    id: int
    received_at: datetime
    envelope_from: str
    recipients: tuple[str, ...]
    _store: MessageStore = field(compare=False, repr=False)
    _headline: Headline | None = field(default=None, compare=False, repr=False)

    @property
    def headline(self) -> Headline:
        """Subject, From and Message-ID: parsed from the headers on first use, then kept."""
        if self._headline is None:
            self._headline = parse_headline(self._store.raw(self.id) or b"")
        return self._headline

    @property
    def content(self) -> ParsedMessage:
        """The whole message parsed (cached by the store for the last few read)."""
        return self._store.content(self.id)


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
        return self.matches_envelope(message) and self.matches_content(message)

    def matches_envelope(self, message: StoredMessage) -> bool:
        """The criteria that need no parsing: id and recipients."""
        if self.since_id is not None and message.id <= self.since_id:
            return False
        wanted = self.to.casefold() if self.to is not None else None
        return wanted is None or any(r.casefold() == wanted for r in message.recipients)

    def matches_content(self, message: StoredMessage) -> bool:
        """The criteria on the headers (parsed now if they were not yet)."""
        if self.subject_contains is None:
            return True
        return self.subject_contains.casefold() in message.headline.subject.casefold()


class MessageStore:
    """Every received message: rows on disk, envelopes mirrored in memory in id order."""

    def __init__(self, data_dir: Path, *, fsync: bool = True) -> None:
        """Open (or create) the database in ``data_dir``; use ``open()``, which also loads it.

        ``fsync``: whether the caller makes writes durable with ``sync()`` (see above).
        """
        data_dir.mkdir(parents=True, exist_ok=True)
        self._data_dir = data_dir
        self._writer = _connect(data_dir / DATABASE_NAME)
        self._writer.execute("PRAGMA journal_mode=WAL")
        # Commits run on the event loop: no fsync in them (sync() does it) and
        # no automatic checkpoint (checkpoint() does it, in a thread).
        self._writer.execute("PRAGMA synchronous=NORMAL")
        self._writer.execute("PRAGMA wal_autocheckpoint=0")
        self._writer.execute(_SCHEMA)
        self._wal: int | None = None  # a descriptor of the WAL file, for sync()
        self.fsync = fsync
        """Whether a write counts as stored only after ``sync()`` (else once the OS has it)."""
        self._reader = _connect(data_dir / DATABASE_NAME)
        self._write_lock = threading.Lock()  # one writer at a time keeps ids in commit order
        self._read_lock = threading.Lock()
        self._index_lock = threading.Lock()
        self._messages: dict[int, StoredMessage] = {}  # insertion order is id order
        self._last_id = 0
        self._parsed = functools.lru_cache(maxsize=PARSED_CACHE_SIZE)(self._parse)

    @classmethod
    def open(cls, data_dir: Path, *, fsync: bool = True) -> MessageStore:
        """Open (or create) the store in ``data_dir`` and load the envelopes it holds."""
        store = cls(data_dir, fsync=fsync)
        store.load()
        return store

    @property
    def last_id(self) -> int:
        """The highest id stored so far (0 before the first message)."""
        return self._last_id

    def load(self) -> None:
        """Read every envelope (not the messages) and the highest id ever given."""
        if (self._data_dir / "index.jsonl").exists():
            log.warning(
                "%s holds messages of an older devmail layout (index.jsonl, messages/), "
                "which are not loaded; delete them",
                self._data_dir,
            )
        with self._read_lock:
            rows = self._reader.execute(_ENVELOPES).fetchall()
            highest = self._reader.execute(_HIGHEST_ID).fetchone()
        with self._index_lock:
            for message_id, received_at, envelope_from, recipients in rows:
                self._messages[message_id] = StoredMessage(
                    message_id,
                    datetime.fromisoformat(received_at),
                    envelope_from,
                    tuple(json.loads(recipients)),
                    self,
                )
            self._last_id = int(highest[0]) if highest else 0
        log.info("loaded %d stored messages from %s", len(rows), self._data_dir)

    def add_many(self, batch: Sequence[Incoming]) -> list[StoredMessage]:
        """Store a batch in one transaction, handed to the OS; ``sync()`` makes it durable.

        Raises ``StorageError`` if it could not be written; then none of it is stored.
        """
        with self._write_lock:
            first_id = self._last_id + 1
            messages = [self._stored(first_id + n, item) for n, item in enumerate(batch)]
            self._write(
                _INSERT, [_row(m, item.raw) for m, item in zip(messages, batch, strict=True)]
            )
            with self._index_lock:
                self._messages.update((m.id, m) for m in messages)
                self._last_id += len(messages)
        return messages

    def get(self, message_id: int) -> StoredMessage | None:
        """The message with this id, or None."""
        with self._index_lock:
            return self._messages.get(message_id)

    def find(self, query: MessageQuery, limit: int | None = None) -> list[StoredMessage]:
        """The messages matching ``query``, oldest first, at most ``limit`` of them."""
        with self._index_lock:
            candidates = [m for m in self._newer_than(query.since_id) if query.matches_envelope(m)]
        # Outside the lock: the subject criterion may parse headers.
        return list(itertools.islice((m for m in candidates if query.matches_content(m)), limit))

    def raw(self, message_id: int) -> bytes | None:
        """The message exactly as received, or None."""
        with self._read_lock:
            row = self._reader.execute(
                "SELECT raw FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
        return None if row is None else bytes(row[0])

    def content(self, message_id: int) -> ParsedMessage:
        """The message parsed (empty if there is none with this id), from a small cache."""
        return self._parsed(message_id)

    def delete(self, message_id: int) -> bool:
        """Delete one message; False if there was none with this id."""
        with self._write_lock:
            if self.get(message_id) is None:
                return False
            self._write("DELETE FROM messages WHERE id = ?", [(message_id,)])
            with self._index_lock:
                del self._messages[message_id]
            return True

    def clear(self) -> int:
        """Delete every message; returns how many there were. Ids go on from the highest."""
        with self._write_lock:
            self._write("DELETE FROM messages", [()])
            with self._index_lock:
                count = len(self._messages)
                self._messages.clear()
            self._parsed.cache_clear()
            return count

    def sync(self) -> None:
        """Make every commit so far durable: one fsync of the WAL, for any number of commits.

        Raises ``StorageError`` if the disk refuses.
        """
        try:
            if self._wal is None:
                self._wal = os.open(self._data_dir / f"{DATABASE_NAME}-wal", os.O_RDONLY)
                _fsync_directory(self._data_dir)  # the WAL file's own entry, once
            os.fdatasync(self._wal)  # the data; an mtime alone need not reach the disk
        except OSError as error:
            raise StorageError(f"cannot sync {self._data_dir / DATABASE_NAME}: {error}") from error

    def checkpoint(self) -> None:
        """Copy committed pages from the WAL into the database, so the WAL stays small.

        A passive checkpoint does not block writers, so it runs in a thread
        while the loop goes on committing.
        """
        with self._read_lock:
            self._reader.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def close(self) -> None:
        """Close the database; the store is unusable afterwards."""
        with self._write_lock, self._read_lock:
            if self._wal is not None:
                os.close(self._wal)
            self._reader.close()
            self._writer.close()

    def _stored(self, message_id: int, item: Incoming) -> StoredMessage:
        return StoredMessage(
            message_id, item.received_at, item.envelope_from, item.recipients, self
        )

    def _newer_than(self, since_id: int | None) -> list[StoredMessage]:
        if since_id is None:
            return list(self._messages.values())
        # Ids only grow, so the newer messages are at the end: walk back to since_id.
        newer = list(
            itertools.takewhile(lambda m: m.id > since_id, reversed(self._messages.values()))
        )
        newer.reverse()
        return newer

    def _write(self, statement: str, rows: Iterable[Sequence[object]]) -> None:
        try:
            self._writer.execute("BEGIN IMMEDIATE")
            self._writer.executemany(statement, rows)
            self._writer.execute("COMMIT")
        except sqlite3.Error as error:
            if self._writer.in_transaction:
                self._writer.execute("ROLLBACK")
            raise StorageError(
                f"cannot write to {self._data_dir / DATABASE_NAME}: {error}"
            ) from error

    def _parse(self, message_id: int) -> ParsedMessage:
        return parse_message(self.raw(message_id) or b"")


def _connect(path: Path) -> sqlite3.Connection:
    # Autocommit mode: _write opens and commits its own transactions. Each
    # connection is used under its own lock, from whichever worker thread runs.
    return sqlite3.connect(path, isolation_level=None, check_same_thread=False)


def _fsync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _row(message: StoredMessage, raw: bytes) -> tuple[object, ...]:
    return (
        message.id,
        message.received_at.isoformat(),
        message.envelope_from,
        json.dumps(message.recipients),
        raw,
    )
