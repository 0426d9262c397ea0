"""The runtime's subscription: the catalogue's topics for the group, a handler table by
event type, and a metric for the types a service does not handle (never a dead letter)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker
from pydantic import BaseModel

from frontdesk_contracts import (
    GROUP_CLIENT_REGISTRY,
    GROUP_IDENTITY,
    ClientImported,
    ClientsImportedBatch,
    ClientsMerged,
    EmailFailed,
    EmailSent,
    Envelope,
    new_event,
    to_record,
    topics_read_by,
    uuid7,
)
from frontdesk_kit import DeadLetters, EventConsumer, ServiceMetrics
from frontdesk_kit.runtime import Handler, consumed_topics, subscribe


def a_client_imported() -> Envelope[ClientImported]:
    return new_event(ClientImported(studio_id="studio-1", external_client_id="x", given_name="Ada"))


async def publish(broker: KafkaBroker, *events: Envelope[Any]) -> None:
    async with TestKafkaBroker(broker) as test_broker:
        for event in events:
            record = to_record(event)
            await test_broker.publish(
                record.value,
                record.topic,
                key=record.key,
                headers={name: value.decode() for name, value in record.headers},
            )


def test_the_group_reads_exactly_the_catalogues_topics_with_the_prefix() -> None:
    """No topic is named by a service: the catalogue's list for the group, prefixed."""
    expected = ["t1." + topic.name for topic in topics_read_by(GROUP_IDENTITY)]
    assert consumed_topics(GROUP_IDENTITY, "t1.") == expected
    assert len(expected) == 3  # imports, client-registry's and notifications' topics


async def ignore(event: Envelope[Any]) -> None:
    """A handler that does nothing (for the topics a test does not look at)."""


# Identity's group reads three topics: one handled type on each of the other two.
OTHER_TOPICS: dict[type[BaseModel], Handler] = {ClientsMerged: ignore, EmailFailed: ignore}


async def test_each_event_type_reaches_its_handler(make_producer: Callable[[], Any]) -> None:
    """An imported client goes to the ClientImported handler, and only there."""
    broker, seen = KafkaBroker(), []

    async def on_import(event: Envelope[Any]) -> None:
        seen.append(event)

    consumer = EventConsumer(broker, DeadLetters(make_producer(), GROUP_IDENTITY))
    subscribe(consumer, GROUP_IDENTITY, {ClientImported: on_import, **OTHER_TOPICS})
    event = a_client_imported()

    await publish(broker, event)

    assert seen == [event]


async def test_a_type_without_a_handler_is_counted_not_dead_lettered(
    make_producer: Callable[[], Any],
) -> None:
    """A new event type a producer adds is read past: a metric counts it, no dead letter."""
    broker, dead, metrics = KafkaBroker(), make_producer(), ServiceMetrics("identity")
    consumer = EventConsumer(broker, DeadLetters(dead, GROUP_IDENTITY))
    handlers = {ClientsImportedBatch: ignore, **OTHER_TOPICS}
    subscribe(consumer, GROUP_IDENTITY, handlers, on_skipped=metrics.count_skipped)
    sent = new_event(
        EmailSent(
            message_id="m-1",
            account_id="acc-1",
            recipient="ada@example.com",
            kind="password_reset",
            cause_event_id=uuid7(),
            cause_event_type="PasswordResetRequested",
            attempts=1,
        )
    )

    await publish(broker, sent, a_client_imported())

    rendered = (await metrics.render()).decode()
    assert 'frontdesk_events_skipped_total{type="EmailSent"} 1.0' in rendered
    assert 'frontdesk_events_skipped_total{type="ClientImported"} 1.0' in rendered
    assert dead.sent == []


def test_a_handler_for_a_type_the_group_never_reads_is_refused_at_start(
    make_producer: Callable[[], Any],
) -> None:
    """Wiring a handler of an event no topic of the group carries is a mistake: refused."""
    consumer = EventConsumer(KafkaBroker(), DeadLetters(make_producer(), GROUP_CLIENT_REGISTRY))

    async def never(event: Envelope[Any]) -> None:
        raise AssertionError("never called")

    with pytest.raises(ValueError, match="ClientImported"):
        subscribe(consumer, GROUP_CLIENT_REGISTRY, {ClientImported: never})


def test_a_topic_the_group_reads_but_handles_nothing_of_is_refused(
    make_producer: Callable[[], Any],
) -> None:
    """The catalogue must not list a topic for a group that ignores all of it."""
    consumer = EventConsumer(KafkaBroker(), DeadLetters(make_producer(), GROUP_IDENTITY))

    with pytest.raises(ValueError, match=r"frontdesk\.notifications\.v1"):
        subscribe(consumer, GROUP_IDENTITY, {ClientImported: ignore, ClientsMerged: ignore})


def test_only_contract_payloads_can_be_handled(make_producer: Callable[[], Any]) -> None:
    """A class that is not an event payload of the contracts cannot be wired."""
    consumer = EventConsumer(KafkaBroker(), DeadLetters(make_producer(), GROUP_IDENTITY))

    async def never(event: Envelope[Any]) -> None:
        raise AssertionError("never called")

    with pytest.raises(TypeError):
        subscribe(consumer, GROUP_IDENTITY, {Envelope: never, **OTHER_TOPICS})
