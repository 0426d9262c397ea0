"""DeadLetters.send: the letter is the original record plus dlq_* headers, and is never lost."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka.structs import ConsumerRecord

from frontdesk_kit import DeadLetters

GROUP = "frontdesk-identity"


@pytest.fixture
def consumed() -> ConsumerRecord[bytes, bytes]:
    """A record as aiokafka hands it to a consumer: partition 2, offset 41."""
    value = b'{"type": "ClientImported"}'
    return ConsumerRecord(
        topic="platform.client-imports.v1",
        partition=2,
        offset=41,
        timestamp=0,
        timestamp_type=0,
        key=b"studio-1",
        value=value,
        checksum=None,
        serialized_key_size=8,
        serialized_value_size=len(value),
        headers=[("ce_type", b"ClientImported")],
    )


async def test_a_dead_letter_is_the_original_record_with_why_and_where(
    make_producer: Any, consumed: ConsumerRecord[bytes, bytes]
) -> None:
    """Sent to `<group>.dlq` with key, value and headers kept, plus origin, reason, attempts."""
    producer = make_producer()

    await DeadLetters(producer, GROUP).send(consumed, "rejected: studio is closed", attempts=1)

    [letter] = producer.sent
    assert (letter.topic, letter.key, letter.value) == (f"{GROUP}.dlq", b"studio-1", consumed.value)
    assert letter.header("ce_type") == "ClientImported"
    assert letter.header("dlq_reason") == "rejected: studio is closed"
    assert letter.header("dlq_original_topic") == "platform.client-imports.v1"
    assert letter.header("dlq_original_partition") == "2"
    assert letter.header("dlq_original_offset") == "41"
    assert letter.header("dlq_attempts") == "1"


@pytest.mark.parametrize("fail_in", ["send", "delivery"])
async def test_send_retries_until_kafka_takes_the_letter(
    make_producer: Any, consumed: ConsumerRecord[bytes, bytes], fail_in: str
) -> None:
    """Three failed sends (refused, or the delivery failed): the fourth is written, once."""
    producer = make_producer(fail_first=3, fail_in=fail_in)

    await DeadLetters(producer, GROUP, retry_delay=0.001).send(consumed, "boom", attempts=4)

    assert producer.attempts == 4
    assert [letter.value for letter in producer.sent] == [consumed.value]


async def test_send_does_not_return_while_kafka_is_down(
    make_producer: Any, consumed: ConsumerRecord[bytes, bytes]
) -> None:
    """The consumer commits after `send` returns, so `send` waits for Kafka rather than give up."""
    producer = make_producer(fail_first=10**9)
    dead_letters = DeadLetters(producer, GROUP, retry_delay=0.001)

    sending = asyncio.create_task(dead_letters.send(consumed, "boom", attempts=4))
    await asyncio.sleep(0.05)
    assert not sending.done()
    assert producer.sent == []
    assert producer.attempts > 1

    producer.fail_first = producer.attempts  # Kafka is back
    await asyncio.wait_for(sending, timeout=1)
    assert len(producer.sent) == 1


async def test_a_topic_prefix_namespaces_the_group_and_its_dead_letter_topic(
    make_producer: Any, consumed: ConsumerRecord[bytes, bytes]
) -> None:
    """On a shared broker: `<prefix><group>` and `<prefix><group>.dlq`, never the real ones."""
    producer = make_producer()
    letters = DeadLetters(producer, GROUP, topic_prefix="t1.")

    assert letters.group_id == f"t1.{GROUP}"
    await letters.send(consumed, "boom", attempts=1)
    [letter] = producer.sent
    assert letter.topic == f"t1.{GROUP}.dlq"
    assert letter.header("dlq_consumer_group") == f"t1.{GROUP}"
