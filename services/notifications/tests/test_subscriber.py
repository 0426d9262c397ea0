"""The Kafka subscriber on FastStream's in-memory broker: routing, replays, dead letters."""

from __future__ import annotations

import asyncio
from typing import Any

from faststream.kafka import KafkaBroker, TestKafkaBroker

from frontdesk_contracts import (
    GROUP_NOTIFICATIONS,
    EmailSent,
    PasswordChanged,
    generate_key_pair,
    new_event,
    to_record,
)
from frontdesk_kit import DeadLetters, RetryPolicy
from frontdesk_notifications.entrypoints.subscribers import register_consumers, subscribed_topics

from .fakes import fake_deps

PREFIX = "unit."


class Future:
    def __await__(self):  # type: ignore[no-untyped-def]
        if False:
            yield
        return None


class FakeProducer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, bytes]]] = []

    async def send(self, topic: str, value: Any, key: Any, headers: Any) -> Future:
        self.sent.append((topic, dict(headers)))
        return Future()


async def publish_all(deps: Any, producer: FakeProducer, *records: Any) -> None:
    broker = KafkaBroker()
    dead_letters = DeadLetters(producer, GROUP_NOTIFICATIONS, topic_prefix=PREFIX)  # type: ignore[arg-type]
    register_consumers(
        broker, dead_letters, deps, topic_prefix=PREFIX, retry=RetryPolicy(1, 0.001, 0.001)
    )
    async with TestKafkaBroker(broker) as test_broker:
        for topic, record in records:
            await test_broker.publish(
                record.value,
                topic,
                key=record.key,
                headers={k: v.decode() for k, v in record.headers},
            )
    await asyncio.sleep(0)


def test_it_reads_identity_and_client_registry():
    assert subscribed_topics(PREFIX) == [
        "unit.frontdesk.identity.v1",
        "unit.frontdesk.client-registry.v1",
    ]


async def test_an_event_is_queued_once_even_when_delivered_twice():
    deps, producer = fake_deps(generate_key_pair("k")), FakeProducer()
    record = to_record(
        new_event(PasswordChanged(account_id="a", email="a@example.test", via="settings"))
    )
    topic = PREFIX + record.topic
    await publish_all(deps, producer, (topic, record), (topic, record))
    assert len(deps.messages.rows) == 1 and producer.sent == []


async def test_an_event_of_another_source_and_garbage_are_dead_lettered():
    deps, producer = fake_deps(generate_key_pair("k")), FakeProducer()
    stray = to_record(
        new_event(
            EmailSent(
                message_id="m",
                account_id="a",
                recipient="a@example.test",
                kind="create_login",
                cause_event_id=new_event(
                    PasswordChanged(account_id="a", email="a@example.test", via="settings")
                ).id,
                cause_event_type="AccountCreatedByAdmin",
                attempts=1,
            )
        )
    )
    garbage = type(stray)(topic=stray.topic, key=b"a", headers=[], value=b"{")
    topic = PREFIX + "frontdesk.identity.v1"
    await publish_all(deps, producer, (topic, stray), (topic, garbage))
    assert [t for t, _ in producer.sent] == [f"{PREFIX}{GROUP_NOTIFICATIONS}.dlq"] * 2
    assert b"notifications" in producer.sent[0][1]["dlq_reason"]
    assert deps.messages.rows == {}
