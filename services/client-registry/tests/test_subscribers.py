"""The registry's handler table on the kit's subscriber and FastStream's in-memory broker:
bad records are dead-lettered, events the registry does not act on are skipped (and
counted), never dead-lettered."""

from __future__ import annotations

from typing import Any

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker

from frontdesk_contracts import (
    GROUP_CLIENT_REGISTRY,
    FirstLogin,
    PasswordChanged,
    new_event,
    to_record,
)
from frontdesk_kit import DeadLetters, EventConsumer, RetryPolicy
from frontdesk_kit.runtime import subscribe
from frontdesk_registry.entrypoints.consumers import event_handlers
from frontdesk_testing import FakeProducer

PREFIX = "t."
TOPIC = PREFIX + "frontdesk.identity.v1"


class RecordingRegistry:
    """Stands in for the use cases' dependencies; any use would fail loudly."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the registry was used: {name}")


def subscribed(producer: FakeProducer, skipped: list[str]) -> tuple[KafkaBroker, list[str]]:
    broker = KafkaBroker()
    letters = DeadLetters(producer, GROUP_CLIENT_REGISTRY, topic_prefix=PREFIX)  # type: ignore[arg-type]
    consumer = EventConsumer(broker, letters, retry=RetryPolicy(attempts=1))
    handlers = event_handlers(RecordingRegistry())  # type: ignore[arg-type]
    topics = subscribe(
        consumer, GROUP_CLIENT_REGISTRY, handlers, topic_prefix=PREFIX, on_skipped=skipped.append
    )
    return broker, topics


async def test_the_registry_reads_identitys_topic_from_the_catalogue():
    _, topics = subscribed(FakeProducer(), [])
    assert topics == [TOPIC]


async def test_malformed_records_go_to_the_dead_letter_topic():
    producer = FakeProducer()
    broker, _ = subscribed(producer, [])

    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(b"{not json", topic=TOPIC)

    [letter] = producer.sent
    assert letter.topic == "t.frontdesk-client-registry.dlq"
    assert letter.value == b"{not json"
    assert letter.header("dlq_reason")


async def test_events_are_dispatched_by_type_and_others_skipped_and_counted():
    producer, skipped = FakeProducer(), []
    broker, _ = subscribed(producer, skipped)
    ignored = PasswordChanged(account_id="a-1", email="a@b.io", via="settings")

    async with TestKafkaBroker(broker) as test_broker:
        for payload in (ignored, FirstLogin(account_id="a-2")):
            record = to_record(new_event(payload))
            headers = {name: value.decode() for name, value in record.headers}
            await test_broker.publish(record.value, topic=TOPIC, key=record.key, headers=headers)

    # FirstLogin reached its use case (whose stand-in refused, so it was dead-lettered);
    # PasswordChanged was skipped without touching the registry, and counted.
    [letter] = producer.sent
    assert letter.header("ce_type") == "FirstLogin"
    assert "the registry was used" in (letter.header("dlq_reason") or "")
    assert skipped == ["PasswordChanged"]


@pytest.mark.parametrize("name", ["AccountImported", "SignupCompleted", "SessionsRevoked"])
def test_each_handled_type_is_one_the_catalogue_carries_for_the_group(name):
    handled = {payload.__name__ for payload in event_handlers(RecordingRegistry())}  # type: ignore[arg-type]
    assert name in handled
