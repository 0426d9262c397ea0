"""The identity-event subscriber, on FastStream's in-memory broker: bad records are
dead-lettered, events the registry does not act on are passed over."""

from __future__ import annotations

import asyncio
from typing import Any

from faststream.kafka import KafkaBroker, TestKafkaBroker

from frontdesk_contracts import FirstLogin, PasswordChanged, new_event, to_record
from frontdesk_kit import DeadLetters, EventConsumer, RetryPolicy
from frontdesk_registry.entrypoints.subscribers import subscribe_identity_events

TOPIC = "t.frontdesk.identity.v1"


class FakeProducer:
    """Records what would have gone to Kafka."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    async def send(self, topic: str, **record: Any) -> asyncio.Future[None]:
        self.sent.append((topic, record))
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


class RecordingRegistry:
    """Stands in for the use cases' dependencies; any use would fail loudly."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the registry was used: {name}")


async def test_malformed_records_go_to_the_dead_letter_topic():
    producer = FakeProducer()
    broker = KafkaBroker()
    letters = DeadLetters(producer, "t.frontdesk-client-registry")  # type: ignore[arg-type]
    consumer = EventConsumer(broker, letters, retry=RetryPolicy(attempts=1))
    subscribe_identity_events(consumer, TOPIC, RecordingRegistry())  # type: ignore[arg-type]

    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(b"{not json", topic=TOPIC)

    [(topic, record)] = producer.sent
    assert topic == "t.frontdesk-client-registry.dlq"
    assert record["value"] == b"{not json"
    assert any(name == "dlq_reason" for name, _ in record["headers"])


async def test_events_are_dispatched_by_type_and_others_passed_over():
    producer = FakeProducer()
    broker = KafkaBroker()
    letters = DeadLetters(producer, "t.frontdesk-client-registry")  # type: ignore[arg-type]
    consumer = EventConsumer(broker, letters, retry=RetryPolicy(attempts=1))
    subscribe_identity_events(consumer, TOPIC, RecordingRegistry())  # type: ignore[arg-type]
    ignored = PasswordChanged(account_id="a-1", email="a@b.io", via="settings")

    async with TestKafkaBroker(broker) as test_broker:
        for payload in (ignored, FirstLogin(account_id="a-2")):
            record = to_record(new_event(payload))
            headers = {name: value.decode() for name, value in record.headers}
            await test_broker.publish(record.value, topic=TOPIC, key=record.key, headers=headers)

    # FirstLogin reached its use case (whose stand-in refused, so it was dead-lettered);
    # PasswordChanged was passed over without touching the registry.
    [(_, letter)] = producer.sent
    headers = {name: value.decode() for name, value in letter["headers"]}
    assert headers["ce_type"] == "FirstLogin"
    assert "the registry was used" in headers["dlq_reason"]
