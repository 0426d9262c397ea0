"""The handler table on the kit's subscriber and FastStream's in-memory broker: the
events that ask for an email are queued once; every other type is skipped (and
counted), never dead-lettered; unparseable records are dead-lettered."""

from __future__ import annotations

import asyncio
from typing import Any

from faststream.kafka import KafkaBroker, TestKafkaBroker

from frontdesk_contracts import (
    GROUP_NOTIFICATIONS,
    EmailSent,
    FirstLogin,
    PasswordChanged,
    generate_key_pair,
    new_event,
    to_record,
)
from frontdesk_kit import DeadLetters, EventConsumer, RetryPolicy
from frontdesk_kit.runtime import subscribe
from frontdesk_notifications.entrypoints.consumers import email_handlers
from frontdesk_testing import FakeProducer
from frontdesk_testing.notifications.fakes import fake_deps, store_of

PREFIX = "unit."
TOPIC = PREFIX + "frontdesk.identity.v1"


def subscribed(
    deps: Any, producer: FakeProducer, skipped: list[str]
) -> tuple[KafkaBroker, list[str]]:
    broker = KafkaBroker()
    letters = DeadLetters(producer, GROUP_NOTIFICATIONS, topic_prefix=PREFIX)  # type: ignore[arg-type]
    consumer = EventConsumer(broker, letters, retry=RetryPolicy(1, 0.001, 0.001))
    topics = subscribe(
        consumer,
        GROUP_NOTIFICATIONS,
        email_handlers(deps),
        topic_prefix=PREFIX,
        on_skipped=skipped.append,
    )
    return broker, topics


async def publish_all(broker: KafkaBroker, *records: Any) -> None:
    async with TestKafkaBroker(broker) as test_broker:
        for record in records:
            headers = {name: value.decode() for name, value in record.headers}
            await test_broker.publish(record.value, TOPIC, key=record.key, headers=headers)
    await asyncio.sleep(0)


def test_it_reads_identitys_topic_from_the_catalogue():
    _, topics = subscribed(fake_deps(), FakeProducer(), [])
    assert topics == ["unit.frontdesk.identity.v1"]


def test_it_handles_exactly_the_events_that_ask_for_an_email():
    assert sorted(payload.event_type for payload in email_handlers(fake_deps())) == [
        "AccountCreatedByAdmin",
        "AccountsMerged",
        "CreateLoginLinkRequested",
        "EmailVerificationRequested",
        "LoginReadyEmailRequested",
        "PasswordChanged",
        "PasswordResetRequested",
        "SignupAttemptedForExistingLogin",
        "WelcomeEmailRequested",
    ]


async def test_an_event_is_queued_once_even_when_delivered_twice():
    deps, producer = fake_deps(generate_key_pair("k")), FakeProducer()
    broker, _ = subscribed(deps, producer, [])
    record = to_record(
        new_event(PasswordChanged(account_id="a", email="a@example.test", via="settings"))
    )
    await publish_all(broker, record, record)
    assert len(store_of(deps).rows) == 1 and producer.sent == []


async def test_other_types_are_skipped_and_counted_and_garbage_is_dead_lettered():
    deps, producer, skipped = fake_deps(generate_key_pair("k")), FakeProducer(), []
    broker, _ = subscribed(deps, producer, skipped)
    cause = new_event(PasswordChanged(account_id="a", email="a@example.test", via="settings"))
    stray = to_record(
        new_event(
            EmailSent(
                message_id="m",
                account_id="a",
                recipient="a@example.test",
                kind="create_login",
                cause_event_id=cause.id,
                cause_event_type="AccountCreatedByAdmin",
                attempts=1,
            )
        )
    )
    no_email = to_record(new_event(FirstLogin(account_id="a")))
    garbage = type(stray)(topic=stray.topic, key=b"a", headers=[], value=b"{")
    await publish_all(broker, stray, no_email, garbage)
    assert skipped == ["EmailSent", "FirstLogin"]
    [letter] = producer.sent
    assert letter.topic == f"{PREFIX}{GROUP_NOTIFICATIONS}.dlq" and letter.value == b"{"
    assert store_of(deps).rows == {}
