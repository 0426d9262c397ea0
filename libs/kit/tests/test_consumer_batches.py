"""EventConsumer on fetched batches: split by partition, order kept, runs for one `Batch`
handler applied together, a poison record isolated, offsets left to FastStream's ack.

The records are aiokafka `ConsumerRecord`s built here, handed to `process` as one fetch
(the in-memory broker delivers one record per fetch, so it cannot show a batch).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from aiokafka.structs import ConsumerRecord
from faststream.kafka import KafkaBroker

from frontdesk_contracts import ClientImported, Envelope, from_record, new_event, to_record
from frontdesk_kit import Batch, DeadLetters, EventConsumer, PermanentError, RetryPolicy
from frontdesk_testing import FakeProducer

GROUP = "frontdesk-identity"
FAST_RETRY = RetryPolicy(attempts=2, first_delay=0.001, max_delay=0.002)


def imported(external_id: str) -> Envelope[ClientImported]:
    return new_event(ClientImported(studio_id="s1", external_client_id=external_id, given_name="A"))


def consumed(event: Envelope[Any], partition: int = 0, offset: int = 0) -> ConsumerRecord[Any, Any]:
    record = to_record(event)
    return ConsumerRecord(
        record.topic,
        partition,
        offset,
        0,
        0,
        record.key,
        record.value,
        None,
        0,
        0,
        list(record.headers),
    )


def garbage(partition: int = 0) -> ConsumerRecord[Any, Any]:
    return ConsumerRecord(
        "platform.client-imports.v1", partition, 9, 0, 0, b"k", b"{", None, 0, 0, []
    )


class BatchRecorder:
    """A batch handler: records each call's external ids; refuses any batch holding `poison`."""

    def __init__(self, poison: str | None = None) -> None:
        self.poison = poison
        self.calls: list[list[str]] = []
        self.applied: list[str] = []

    async def __call__(self, events: Sequence[Envelope[Any]]) -> None:
        ids = [e.payload.external_client_id for e in events]
        self.calls.append(ids)
        if self.poison in ids:
            raise PermanentError(f"{self.poison} cannot be imported")
        self.applied += ids


@pytest.fixture
def dlq() -> FakeProducer:
    return FakeProducer()


@pytest.fixture
def consumer(dlq: FakeProducer) -> EventConsumer:
    letters = DeadLetters(dlq, GROUP, retry_delay=0.001)  # type: ignore[arg-type]
    return EventConsumer(KafkaBroker(), letters, retry=FAST_RETRY)


async def test_one_partitions_records_reach_a_batch_handler_together_in_order(consumer, dlq):
    recorder = BatchRecorder()
    records = [consumed(imported(f"e{i}"), offset=i) for i in range(5)]
    await consumer.process(records, lambda _: Batch(recorder))
    assert recorder.calls == [["e0", "e1", "e2", "e3", "e4"]]


async def test_each_partition_is_its_own_batch(consumer, dlq):
    recorder = BatchRecorder()
    records = [consumed(imported(f"p{i % 2}-{i}"), partition=i % 2, offset=i) for i in range(6)]
    await consumer.process(records, lambda _: Batch(recorder))
    assert sorted(recorder.calls) == [["p0-0", "p0-2", "p0-4"], ["p1-1", "p1-3", "p1-5"]]


async def test_a_poison_record_is_dead_lettered_and_the_rest_of_its_batch_applied(consumer, dlq):
    recorder = BatchRecorder(poison="e2")
    records = [consumed(imported(f"e{i}"), offset=i) for i in range(4)]
    await consumer.process(records, lambda _: Batch(recorder))
    assert recorder.applied == ["e0", "e1", "e3"]
    [letter] = dlq.sent
    assert letter.header("dlq_reason") == "e2 cannot be imported"
    assert letter.header("dlq_error_type") == "PermanentError"


async def test_a_single_handler_between_batch_runs_keeps_the_partitions_order(consumer, dlq):
    order: list[str] = []

    async def batch(events: Sequence[Envelope[Any]]) -> None:
        order.append("+".join(e.payload.external_client_id for e in events))

    async def single(event: Envelope[Any]) -> None:
        order.append(f"single:{event.payload.external_client_id}")

    batched = Batch(batch)
    ids = ["a", "b", "one", "c", "d"]
    records = [consumed(imported(x), offset=i) for i, x in enumerate(ids)]
    await consumer.process(
        records, lambda e: single if e.payload.external_client_id == "one" else batched
    )
    assert order == ["a+b", "single:one", "c+d"]


async def test_unparseable_and_skipped_records_do_not_reach_the_handler(consumer, dlq):
    recorder = BatchRecorder()
    records = [consumed(imported("e0")), garbage(), consumed(imported("skip-me"), offset=2)]

    def route(event: Envelope[Any]) -> Batch | None:
        return None if event.payload.external_client_id == "skip-me" else Batch(recorder)

    await consumer.process(records, route)
    assert recorder.applied == ["e0"]
    assert len(dlq.sent) == 1


async def test_records_the_ledger_already_holds_are_passed_over_unparsed(dlq):
    recorder = BatchRecorder()
    events = [imported(f"e{i}") for i in range(4)]
    handled = {events[1].id, events[3].id}
    parsed: list[bytes] = []

    def parse(value: bytes, headers: Any) -> Any:
        parsed.append(value)
        return from_record(value, headers)

    async def already_handled(ids: Sequence[Any]) -> set[Any]:
        return handled & set(ids)

    letters = DeadLetters(dlq, GROUP, retry_delay=0.001)  # type: ignore[arg-type]
    consumer = EventConsumer(
        KafkaBroker(), letters, retry=FAST_RETRY, parse=parse, already_handled=already_handled
    )
    records = [consumed(event, offset=i) for i, event in enumerate(events)]
    await consumer.process(records, lambda _: Batch(recorder))
    assert recorder.applied == ["e0", "e2"]
    assert len(parsed) == 2


async def test_a_batch_refused_for_good_is_split_at_once_not_retried(consumer, dlq):
    recorder = BatchRecorder(poison="e1")
    records = [consumed(imported(f"e{i}"), offset=i) for i in range(3)]
    await consumer.process(records, lambda _: Batch(recorder))
    assert recorder.calls == [["e0", "e1", "e2"], ["e0"], ["e1"], ["e2"]]
    assert [letter.header("dlq_attempts") for letter in dlq.sent] == ["1"]


async def test_a_ledger_that_does_not_answer_is_waited_for_then_the_fetch_handled(dlq):
    """The ledger lookup is the first query of a fetch: while PostgreSQL refuses
    connections it is asked again (nothing skipped, nothing dead-lettered)."""
    recorder = BatchRecorder()
    events = [imported(f"e{i}") for i in range(3)]
    asked: list[int] = []

    async def already_handled(ids: Sequence[Any]) -> set[Any]:
        asked.append(len(ids))
        if len(asked) <= 5:
            raise ConnectionRefusedError(111, "Connect call failed")
        return set()

    letters = DeadLetters(dlq, GROUP, retry_delay=0.001)  # type: ignore[arg-type]
    consumer = EventConsumer(
        KafkaBroker(), letters, retry=FAST_RETRY, already_handled=already_handled
    )
    await consumer.process(
        [consumed(e, offset=i) for i, e in enumerate(events)], lambda _: Batch(recorder)
    )
    assert asked == [3] * 6
    assert recorder.applied == ["e0", "e1", "e2"]
    assert dlq.sent == []
