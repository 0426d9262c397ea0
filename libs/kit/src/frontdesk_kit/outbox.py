"""Transactional outbox: the writer side.

`Outbox.add` writes an event's Kafka record inside the caller's transaction, so the
state change and the event commit or roll back together. The relay
(`frontdesk_kit.relay`) publishes what committed.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from typing import Any, Protocol
from uuid import UUID

import asyncpg

from frontdesk_contracts import Envelope, to_record

from .tracing import current_traceparent

OUTBOX_CHANNEL = "frontdesk_outbox"
LANES = 16  # must match the rows of outbox_lanes (kit migration 0001)

_INSERT = """
INSERT INTO outbox (event_id, topic, key, headers, value, lane)
VALUES ($1, $2, $3, $4::jsonb, $5, $6)
"""
_INSERT_MANY = """
INSERT INTO outbox (event_id, topic, key, headers, value, lane)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::bytea[], $4::jsonb[], $5::bytea[], $6::smallint[])
"""
_NOTIFY = "SELECT pg_notify($1, '')"


class KafkaRecordLike(Protocol):
    """What the outbox stores: a ready-made Kafka record (see frontdesk_contracts)."""

    @property
    def topic(self) -> str: ...
    @property
    def key(self) -> bytes: ...
    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...
    @property
    def value(self) -> bytes: ...


class OutboxError(RuntimeError):
    """The outbox was used outside a transaction or with an unusable record."""


def lane_of(key: bytes) -> int:
    """The lane of a record key: stable across processes, so a key keeps its lane."""
    return zlib.crc32(key) % LANES


class Outbox:
    """Writes records to the outbox table of the caller's database, in its transaction.

    `topic_prefix` namespaces every topic (settings' TOPIC_PREFIX): empty in
    production, unique per test run so tests sharing one broker never meet.
    """

    def __init__(self, channel: str = OUTBOX_CHANNEL, topic_prefix: str = "") -> None:
        self._channel = channel
        self._topic_prefix = topic_prefix

    async def add_event(self, conn: asyncpg.Connection, event: Envelope[Any]) -> None:
        """Queue a contract event (its topic, key and headers come from the contracts).

        Inside a traced span (a consumed record's, with tracing on) the event carries
        that trace on in its ``traceparent`` header; otherwise it starts a new trace.
        """
        await self.add(conn, event.id, to_record(event, traceparent=current_traceparent()))

    async def add_events(self, conn: asyncpg.Connection, events: Sequence[Envelope[Any]]) -> None:
        """Queue many contract events in one statement (a consumed batch's effects), in
        order: the relay publishes a key's records in the order they were added."""
        if not events:
            return
        self._check_open(conn)
        traceparent = current_traceparent()
        rows = [self._row(e.id, to_record(e, traceparent=traceparent)) for e in events]
        await conn.execute(_INSERT_MANY, *(list(column) for column in zip(*rows, strict=True)))
        await conn.execute(_NOTIFY, self._channel)

    async def add(self, conn: asyncpg.Connection, event_id: UUID, record: KafkaRecordLike) -> None:
        """Queue `record` for publication once the caller's transaction commits."""
        self._check_open(conn)
        row = self._row(event_id, record)
        await conn.execute(_INSERT, *row)
        # NOTIFY is delivered at commit, and not at all on rollback: exactly when wanted.
        await conn.execute(_NOTIFY, self._channel)

    @staticmethod
    def _check_open(conn: asyncpg.Connection) -> None:
        if not conn.is_in_transaction():
            raise OutboxError("Outbox.add needs the caller's open transaction")

    def _row(self, event_id: UUID, record: KafkaRecordLike) -> tuple[Any, ...]:
        """The outbox row of `record`: (event id, topic, key, headers, value, lane)."""
        if not record.key:
            raise OutboxError("an outbox record needs a key: it decides partition and order")
        try:
            headers = [[name, value.decode()] for name, value in record.headers]
        except UnicodeDecodeError as error:
            raise OutboxError("outbox header values must be UTF-8 text") from error
        topic = self._topic_prefix + record.topic
        return (event_id, topic, record.key, json.dumps(headers), record.value, lane_of(record.key))
