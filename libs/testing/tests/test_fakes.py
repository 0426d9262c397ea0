"""The shared fakes behave like the kit's real producer, outbox and ledger where tests look."""

from __future__ import annotations

from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError

from frontdesk_contracts import ClientImported, new_event, to_record
from frontdesk_testing import FakeHandledEvents, FakeProducer, RecordingOutbox


def _event() -> Any:
    return new_event(ClientImported(studio_id="s-1", external_client_id="e-1", given_name="Ada"))


async def test_the_producer_keeps_only_acknowledged_records() -> None:
    producer = FakeProducer(fail_first=1, fail_in="delivery")
    record = to_record(_event())

    failed = await producer.send(record.topic, record.value, record.key, headers=record.headers)
    with pytest.raises(KafkaConnectionError):
        await failed
    await producer.send_and_wait(record.topic, record.value, record.key, headers=record.headers)

    assert producer.attempts == 2 and producer.topics() == [record.topic]
    assert producer.sent[0].header("ce_type") == "ClientImported"


async def test_a_failing_send_raises_before_any_future() -> None:
    producer = FakeProducer(fail_first=1)

    with pytest.raises(KafkaConnectionError):
        await producer.send("t", b"v", b"k")
    assert producer.sent == []


async def test_the_outbox_keeps_events_and_their_prefixed_records() -> None:
    outbox = RecordingOutbox(topic_prefix="t1.")
    event = _event()

    await outbox.add_event(None, event)

    assert outbox.types() == ["ClientImported"]
    [(event_id, record)] = outbox.records
    assert event_id == event.id and record.topic == "t1." + to_record(event).topic


async def test_the_ledger_runs_each_effect_once_and_again_after_a_failure() -> None:
    ledger = FakeHandledEvents(connection="conn")
    ran: list[Any] = []
    event_id = _event().id

    async def fails(conn: Any) -> None:
        raise RuntimeError("database away")

    async def effect(conn: Any) -> None:
        ran.append(conn)

    with pytest.raises(RuntimeError):
        await ledger.once(event_id, fails)
    assert not await ledger.seen(event_id)
    assert await ledger.once(event_id, effect) is True
    assert await ledger.once(event_id, effect) is False
    assert ran == ["conn"] and await ledger.seen(event_id)
