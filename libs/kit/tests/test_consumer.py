"""EventConsumer on FastStream's in-memory broker: handled, retried, or dead-lettered.

Every record is published through `TestKafkaBroker`, which hands the subscriber an
aiokafka `ConsumerRecord` (topic, partition, offset 0, key, value, headers) just as a
real broker would. Dead letters go to a fake producer.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker

from frontdesk_contracts import ClientImported, Envelope, KafkaRecord, to_record, uuid7
from frontdesk_kit import DeadLetters, EventConsumer, PermanentError, RetryPolicy, current_context
from frontdesk_kit.retries import is_outage

GROUP = "frontdesk-identity"
IMPORTS = "platform.client-imports.v1"
FAST_RETRY = RetryPolicy(attempts=3, first_delay=0.001, max_delay=0.002)

Deliver = Callable[..., Awaitable[None]]


class RecordingHandler:
    """A handler that records every call and raises `error` on its first `failures` calls."""

    def __init__(self, failures: int = 0, error: Exception | None = None) -> None:
        self.failures = failures
        self.error = error or RuntimeError("database unavailable")
        self.calls: list[Any] = []
        self.log_ids: list[dict[str, str]] = []

    async def __call__(self, event: Any) -> None:
        self.calls.append(event)
        self.log_ids.append(current_context())
        if len(self.calls) <= self.failures:
            raise self.error


def raw(value: bytes, **headers: str) -> KafkaRecord:
    """A record on the imports topic that no contract producer wrote."""
    return KafkaRecord(IMPORTS, b"studio-1", [(k, v.encode()) for k, v in headers.items()], value)


@pytest.fixture
def dlq(make_producer: Any) -> Any:
    """The producer the consumer group's dead letters go to."""
    return make_producer()


def delivering_to(dlq: Any) -> Deliver:
    """`await deliver(handler, *records, partition=3)`: subscribe, publish each, in order.

    A fresh in-memory broker per call; the group's dead letters go to `dlq`.
    """

    async def deliver(
        handler: RecordingHandler, *records: KafkaRecord, partition: int | None = None
    ) -> None:
        broker = KafkaBroker()
        dead_letters = DeadLetters(dlq, GROUP, retry_delay=0.001)
        EventConsumer(broker, dead_letters, retry=FAST_RETRY).subscribe([IMPORTS], handler)
        async with TestKafkaBroker(broker) as test_broker:
            for record in records:
                await test_broker.publish(
                    record.value,
                    record.topic,
                    key=record.key,
                    headers={name: value.decode() for name, value in record.headers},
                    partition=partition,
                )

    return deliver


@pytest.fixture
def deliver(dlq: Any) -> Deliver:
    """Delivery to a consumer whose dead letters go to the `dlq` fixture."""
    return delivering_to(dlq)


async def test_a_valid_event_reaches_the_handler_typed(
    deliver: Deliver, dlq: Any, new_import: Callable[[], Envelope[ClientImported]]
) -> None:
    """The handler gets the parsed envelope with a ClientImported payload, and no dead letter."""
    event = new_import()
    handler = RecordingHandler()

    await deliver(handler, to_record(event))

    assert handler.calls == [event]
    assert isinstance(handler.calls[0].payload, ClientImported)
    assert dlq.sent == []


async def test_the_handler_logs_with_the_event_and_correlation_ids(
    deliver: Deliver, new_import: Callable[[], Envelope[ClientImported]]
) -> None:
    """Whatever the handler logs carries the event id and correlation id of its event."""
    event = new_import()
    handler = RecordingHandler()

    await deliver(handler, to_record(event))

    assert handler.log_ids == [{"event_id": str(event.id), "correlation_id": event.correlation_id}]


async def test_a_handler_that_recovers_is_retried_and_nothing_is_dead_lettered(
    deliver: Deliver, dlq: Any, new_import: Callable[[], Envelope[ClientImported]]
) -> None:
    """Two failures then success: three calls with the same event, no dead letter."""
    event = new_import()
    handler = RecordingHandler(failures=2)

    await deliver(handler, to_record(event))

    assert handler.calls == [event, event, event]
    assert dlq.sent == []


async def test_a_handler_that_keeps_failing_dead_letters_the_record_once(
    deliver: Deliver, dlq: Any, new_import: Callable[[], Envelope[ClientImported]]
) -> None:
    """After `attempts` calls the original record goes, once, to the group's DLQ with why."""
    event = new_import()
    record = to_record(event)
    handler = RecordingHandler(failures=1_000)

    await deliver(handler, record, partition=3)

    assert len(handler.calls) == FAST_RETRY.attempts
    [letter] = dlq.sent
    assert (letter.topic, letter.key, letter.value) == (f"{GROUP}.dlq", record.key, record.value)
    assert "database unavailable" in (letter.header("dlq_reason") or "")
    assert letter.header("dlq_original_topic") == IMPORTS
    assert letter.header("dlq_original_partition") == "3"
    assert letter.header("dlq_original_offset") == "0"
    assert letter.header("dlq_attempts") == "3"
    assert letter.header("dlq_consumer_group") == GROUP
    assert letter.header("ce_id") == str(event.id)


async def test_a_permanent_error_dead_letters_after_one_call(
    deliver: Deliver, dlq: Any, new_import: Callable[[], Envelope[ClientImported]]
) -> None:
    """A handler raising PermanentError is not retried: one call, one dead letter."""
    handler = RecordingHandler(failures=1_000, error=PermanentError("studio is closed"))

    await deliver(handler, to_record(new_import()))

    assert len(handler.calls) == 1
    [letter] = dlq.sent
    assert letter.header("dlq_attempts") == "1"
    assert "studio is closed" in (letter.header("dlq_reason") or "")


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        pytest.param(raw(b"\xff\xfe\x00 binary"), "not UTF-8", id="garbage-bytes"),
        pytest.param(raw(b"{not json"), "not JSON", id="not-json"),
        pytest.param(
            raw(
                json.dumps(
                    {"id": str(uuid7()), "type": "ClientDeleted", "schema_version": 1}
                ).encode(),
                **{"content-type": "application/json"},
            ),
            "unknown event type 'ClientDeleted'",
            id="unknown-type",
        ),
    ],
)
async def test_an_unparseable_record_goes_straight_to_the_dlq(
    deliver: Deliver, dlq: Any, record: KafkaRecord, reason: str
) -> None:
    """No handler call, no retry: dead-lettered unchanged with attempts 0 and the parse error."""
    handler = RecordingHandler()

    await deliver(handler, record)

    assert handler.calls == []
    [letter] = dlq.sent
    assert (letter.key, letter.value) == (record.key, record.value)
    assert letter.header("dlq_attempts") == "0"
    assert reason in (letter.header("dlq_reason") or "")


async def test_the_consumer_moves_on_after_a_dead_letter(
    deliver: Deliver, dlq: Any, new_import: Callable[[str], Envelope[ClientImported]]
) -> None:
    """A bad record does not block the partition: the valid record after it is handled."""
    after = new_import("ext-2")
    handler = RecordingHandler()

    await deliver(handler, raw(b"garbage"), to_record(after))

    assert handler.calls == [after]
    assert len(dlq.sent) == 1


async def test_a_dead_letter_kafka_refuses_at_first_is_still_written_before_moving_on(
    make_producer: Any, new_import: Callable[[str], Envelope[ClientImported]]
) -> None:
    """The DLQ producer fails twice: the consumer waits, writes the one letter, then goes on."""
    dlq = make_producer(fail_first=2)
    first, second = new_import("ext-1"), new_import("ext-2")
    handler = RecordingHandler(failures=FAST_RETRY.attempts)

    await delivering_to(dlq)(handler, to_record(first), to_record(second))

    assert [letter.value for letter in dlq.sent] == [to_record(first).value]
    assert dlq.attempts == 3
    assert handler.calls == [first, first, first, second]


async def test_a_database_outage_outlasting_the_retries_is_waited_out_not_dead_lettered(
    deliver: Deliver, dlq: Any, new_import: Callable[[], Envelope[ClientImported]]
) -> None:
    """PostgreSQL restarting is not a poison record: ten dropped connections (more than
    the three attempts a failing record gets), then the handler succeeds; no dead letter."""
    event = new_import()
    dropped = asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed")
    handler = RecordingHandler(failures=10, error=dropped)

    await deliver(handler, to_record(event))

    assert len(handler.calls) == 11
    assert dlq.sent == []


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        (ConnectionRefusedError(111, "Connect call failed"), True),
        (TimeoutError(), True),
        (asyncpg.exceptions.CannotConnectNowError("the database system is starting up"), True),
        (asyncpg.exceptions.AdminShutdownError("terminating connection"), True),
        (asyncpg.InterfaceError("connection is closed"), True),
        (asyncpg.InterfaceError("another operation is in progress"), False),
        (asyncpg.exceptions.UniqueViolationError("duplicate key"), False),
        (RuntimeError("database unavailable"), False),
        (PermanentError("studio is closed"), False),
    ],
)
def test_only_a_server_not_answering_counts_as_an_outage(error: Exception, outage: bool) -> None:
    assert is_outage(error) is outage
