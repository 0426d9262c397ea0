"""Identity's subscriber on FastStream's in-memory broker: what it handles, skips, refuses."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from faststream.kafka import KafkaBroker, TestKafkaBroker

from frontdesk_contracts import (
    ClientImported,
    ClientRecordCreated,
    FirstLogin,
    KafkaRecord,
    new_event,
    to_record,
)
from frontdesk_identity.entrypoints.consumers import subscribe_all
from frontdesk_kit import DeadLetters, EventConsumer, RetryPolicy

PREFIX = "t1."


@dataclass
class FakeProducer:
    """Takes dead letters."""

    sent: list[tuple[str, bytes | None, list[tuple[str, bytes]]]] = field(default_factory=list)

    async def send(self, topic: str, value: Any = None, key: Any = None, headers: Any = None):  # type: ignore[no-untyped-def]
        self.sent.append((topic, value, list(headers or ())))
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


@dataclass
class FakeHandled:
    """Stands in for HandledEvents: records which events would run their effect."""

    ids: list[Any] = field(default_factory=list)

    async def once(self, event_id: Any, effect: Any) -> bool:
        self.ids.append(event_id)
        return True


@dataclass
class FakeSettings:
    topic_prefix: str = PREFIX


@dataclass
class FakeDeps:
    settings: FakeSettings = field(default_factory=FakeSettings)


async def deliver(*records: KafkaRecord) -> tuple[FakeHandled, FakeProducer]:
    broker = KafkaBroker()
    dlq, handled = FakeProducer(), FakeHandled()
    letters = DeadLetters(dlq, "frontdesk-identity", retry_delay=0.001, topic_prefix=PREFIX)  # type: ignore[arg-type]
    consumer = EventConsumer(broker, letters, retry=RetryPolicy(1, 0.001, 0.001))
    subscribe_all(consumer, handled, FakeDeps())  # type: ignore[arg-type]
    async with TestKafkaBroker(broker) as test_broker:
        for record in records:
            await test_broker.publish(
                record.value,
                PREFIX + record.topic,
                key=record.key,
                headers={name: value.decode() for name, value in record.headers},
            )
    return handled, dlq


async def test_an_import_is_handled_once_by_event_id():
    event = new_event(ClientImported(studio_id="s1", external_client_id="e1", given_name="A"))
    handled, dlq = await deliver(to_record(event))
    assert handled.ids == [event.id]
    assert dlq.sent == []


async def test_registry_events_meant_for_others_are_read_past():
    other = ClientRecordCreated(
        client_record_id="r1", account_id="a1", studio_id="s1", origin="import", given_name="A"
    )
    handled, dlq = await deliver(to_record(new_event(other)))
    assert handled.ids == [] and dlq.sent == []


async def test_unexpected_and_malformed_records_are_dead_lettered_at_once():
    stray = to_record(new_event(FirstLogin(account_id="a1")))
    misplaced = KafkaRecord("frontdesk.client-registry.v1", stray.key, stray.headers, stray.value)
    garbage = KafkaRecord("platform.client-imports.v1", b"s1", [], b"{not json")
    handled, dlq = await deliver(misplaced, garbage)
    assert handled.ids == []
    assert [topic for topic, _, _ in dlq.sent] == [PREFIX + "frontdesk-identity.dlq"] * 2
    reasons = [dict(headers)["dlq_reason"].decode() for _, _, headers in dlq.sent]
    assert "does not handle FirstLogin" in reasons[0]
