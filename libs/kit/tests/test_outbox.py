"""The outbox writer: stable lanes per key, and records refused before anything is written."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from frontdesk_contracts import ClientImported, Envelope, KafkaRecord, to_record
from frontdesk_kit import KIT_MIGRATIONS, Outbox, OutboxError
from frontdesk_kit.outbox import LANES, OUTBOX_CHANNEL, lane_of


def test_a_key_keeps_its_lane() -> None:
    """Same key, same lane, in this process and any other (crc32, not Python's salted hash)."""
    assert lane_of(b"studio-1") == lane_of(b"studio-1")
    assert lane_of(b"studio-1") == 12
    assert lane_of(b"acc-1") == 1


def test_lanes_cover_every_lane_and_no_more() -> None:
    """1000 keys land in 0..LANES-1 and use every lane, none more than twice its share."""
    lanes = Counter(lane_of(f"account-{n}".encode()) for n in range(1000))

    assert set(lanes) == set(range(LANES))
    assert max(lanes.values()) < 2 * 1000 / LANES


def test_the_kit_migration_creates_a_row_for_every_lane() -> None:
    """The relay only claims lanes that have a row: a lane without one would never publish."""
    sql = (KIT_MIGRATIONS / "0001_kit.sql").read_text()

    assert f"generate_series(0, {LANES - 1})" in sql


@pytest.fixture
def record(new_import: Callable[[], Envelope[ClientImported]]) -> KafkaRecord:
    return to_record(new_import())


async def test_add_writes_the_record_and_notifies_the_relay(
    make_connection: Any, new_import: Callable[[], Envelope[ClientImported]]
) -> None:
    """One row with topic, key, text headers, value and lane; then a NOTIFY on the channel."""
    conn = make_connection()
    event = new_import()
    record = to_record(event)

    await Outbox().add(conn, event.id, record)

    (_, row), (_, notify) = conn.executed
    assert row == (
        event.id,
        record.topic,
        record.key,
        json.dumps([[name, value.decode()] for name, value in record.headers]),
        record.value,
        lane_of(record.key),
    )
    assert notify == (OUTBOX_CHANNEL,)


async def test_add_outside_a_transaction_is_refused(
    make_connection: Any, record: KafkaRecord, new_import: Any
) -> None:
    """Without the caller's transaction the event could commit apart from the state change."""
    conn = make_connection(in_transaction=False)

    with pytest.raises(OutboxError, match="transaction"):
        await Outbox().add(conn, new_import().id, record)

    assert conn.executed == []


async def test_a_record_without_a_key_is_refused(
    make_connection: Any, record: KafkaRecord, new_import: Any
) -> None:
    """The key decides partition and order; an empty one is refused, nothing written."""
    conn = make_connection()
    keyless = KafkaRecord(record.topic, b"", record.headers, record.value)

    with pytest.raises(OutboxError, match="key"):
        await Outbox().add(conn, new_import().id, keyless)

    assert conn.executed == []


async def test_a_header_that_is_not_utf8_is_refused(
    make_connection: Any, record: KafkaRecord, new_import: Any
) -> None:
    """Headers are stored as JSON text: binary header values are refused, nothing written."""
    conn = make_connection()
    binary = KafkaRecord(record.topic, record.key, [("trace", b"\xff\xfe")], record.value)

    with pytest.raises(OutboxError, match="UTF-8"):
        await Outbox().add(conn, new_import().id, binary)

    assert conn.executed == []


async def test_an_event_written_inside_a_traced_span_carries_its_trace_on(
    make_connection: Any, new_import: Callable[[], Envelope[ClientImported]]
) -> None:
    """The outgoing event's traceparent continues the consumed record's trace."""
    from opentelemetry import context, propagate

    incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    token = context.attach(propagate.extract({"traceparent": incoming}))
    try:
        conn = make_connection()
        await Outbox().add_event(conn, new_import())
    finally:
        context.detach(token)
    (_, row), _ = conn.executed
    headers = dict(json.loads(row[3]))
    assert headers["traceparent"].split("-")[1] == "4bf92f3577b34da6a3ce929d0e0e4736"


async def test_an_event_written_outside_any_span_starts_a_new_trace(
    make_connection: Any, new_import: Callable[[], Envelope[ClientImported]]
) -> None:
    conn = make_connection()
    await Outbox().add_event(conn, new_import())
    (_, row), _ = conn.executed
    trace_id = dict(json.loads(row[3]))["traceparent"].split("-")[1]
    assert trace_id != "0" * 32 and trace_id != "4bf92f3577b34da6a3ce929d0e0e4736"
