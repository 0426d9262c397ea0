"""Identity's handler table, subscribed the runtime's way on FastStream's in-memory
broker: what it handles (once per event id), skips and refuses."""

from __future__ import annotations

from typing import Any

from faststream.kafka import KafkaBroker, TestKafkaBroker

from frontdesk_contracts import (
    GROUP_IDENTITY,
    ClientImported,
    ClientRecordCreated,
    FirstLogin,
    KafkaRecord,
    new_event,
    to_record,
)
from frontdesk_identity.entrypoints.consumers import event_handlers
from frontdesk_kit import DeadLetters, EventConsumer, RetryPolicy
from frontdesk_kit.runtime import subscribe
from frontdesk_testing import FakeProducer

PREFIX = "t1."


async def deliver(deps: Any, *records: KafkaRecord) -> tuple[list[str], FakeProducer]:
    """Deliver `records` to identity's handlers; the skipped types and the dead letters."""
    broker, dlq, skipped = KafkaBroker(), FakeProducer(), []
    letters = DeadLetters(dlq, GROUP_IDENTITY, retry_delay=0.001, topic_prefix=PREFIX)  # type: ignore[arg-type]
    consumer = EventConsumer(broker, letters, retry=RetryPolicy(1, 0.001, 0.001))
    handlers = event_handlers(deps)
    subscribe(consumer, GROUP_IDENTITY, handlers, topic_prefix=PREFIX, on_skipped=skipped.append)
    async with TestKafkaBroker(broker) as test_broker:
        for record in records:
            await test_broker.publish(
                record.value,
                PREFIX + record.topic,
                key=record.key,
                headers={name: value.decode() for name, value in record.headers},
            )
    return skipped, dlq


async def test_an_import_is_handled_once_by_event_id(deps):
    event = new_event(ClientImported(studio_id="s1", external_client_id="e1", given_name="A"))
    _, dlq = await deliver(deps, to_record(event), to_record(event))
    assert deps.db.state.handled == {event.id}
    assert deps.db.types() == ["AccountImported"]
    assert dlq.sent == []


async def test_registry_events_meant_for_others_are_read_past(deps):
    other = ClientRecordCreated(
        client_record_id="r1", account_id="a1", studio_id="s1", origin="import", given_name="A"
    )
    skipped, dlq = await deliver(deps, to_record(new_event(other)))
    assert deps.db.state.handled == set() and dlq.sent == []
    assert skipped == ["ClientRecordCreated"]


async def test_unexpected_types_are_skipped_and_malformed_records_dead_lettered_at_once(deps):
    stray = to_record(new_event(FirstLogin(account_id="a1")))
    misplaced = KafkaRecord("frontdesk.client-registry.v1", stray.key, stray.headers, stray.value)
    garbage = KafkaRecord("platform.client-imports.v1", b"s1", [], b"{not json")
    skipped, dlq = await deliver(deps, misplaced, garbage)
    assert deps.db.state.handled == set()
    # One policy for types a service does not handle: counted, never dead-lettered.
    assert skipped == ["FirstLogin"]
    assert dlq.topics() == [PREFIX + "frontdesk-identity.dlq"]
