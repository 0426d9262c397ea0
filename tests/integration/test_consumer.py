"""The kit's consumer against real Kafka and PostgreSQL: effects once, dead letters, poison."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from faststream.kafka import KafkaBroker

from frontdesk_contracts import ClientImported, new_event, to_record
from frontdesk_kit import DeadLetters, EventConsumer, RetryPolicy

pytestmark = pytest.mark.integration

CRASHING_CONSUMER = Path(__file__).with_name("crashing_consumer.py")


def client_imported(external_id: str, studio: str = "studio-1"):  # type: ignore[no-untyped-def]
    return new_event(
        ClientImported(studio_id=studio, external_client_id=external_id, given_name="Ada")
    )


async def publish(producer, topic: str, value: bytes, key: bytes, headers=()) -> None:  # type: ignore[no-untyped-def]
    await (await producer.send(topic, value=value, key=key, headers=list(headers)))


async def publish_event(producer, topic: str, event) -> None:  # type: ignore[no-untyped-def]
    record = to_record(event)
    await publish(producer, topic, record.value, record.key, record.headers)


async def test_a_failing_record_is_dead_lettered_and_the_next_is_still_handled(
    kafka_bootstrap, producer, make_topic, read_topic
):
    topic = await make_topic(partitions=1)
    group = f"test-group-{uuid.uuid4().hex[:8]}"
    dlq = await make_topic(name=f"{group}.dlq", partitions=1)
    calls: list[str] = []
    done = asyncio.Event()

    async def handle(event) -> None:  # type: ignore[no-untyped-def]
        calls.append(event.subject)
        if event.subject == "always-fails":
            raise RuntimeError("the database said no")
        if event.subject == "last":
            done.set()

    for subject in ("always-fails", "last"):
        await publish_event(producer, topic, client_imported(subject))
    broker = KafkaBroker(kafka_bootstrap)
    retry = RetryPolicy(attempts=3, first_delay=0.01, max_delay=0.05)
    EventConsumer(broker, DeadLetters(producer, group), retry=retry).subscribe([topic], handle)
    await broker.start()
    try:
        await asyncio.wait_for(done.wait(), 60)
    finally:
        await broker.stop()

    assert calls == ["always-fails"] * 3 + ["last"]
    [letter] = await read_topic(dlq, expected=1)
    headers = {k: v.decode() for k, v in letter.headers}
    assert "the database said no" in headers["dlq_reason"]
    assert headers["dlq_original_topic"] == topic
    assert headers["dlq_original_partition"] == "0"
    assert headers["dlq_original_offset"] == "0"
    assert headers["dlq_attempts"] == "3"
    assert headers["ce_type"] == "ClientImported"
    assert letter.value == to_record_value(letter)


def to_record_value(letter) -> bytes:  # type: ignore[no-untyped-def]
    """The dead letter's value is the original record's, byte for byte (parseable again)."""
    from frontdesk_contracts import from_record

    event = from_record(letter.value, letter.headers)
    assert event.subject == "always-fails"
    return letter.value


async def test_a_poison_record_does_not_stop_the_consumer(
    kafka_bootstrap, producer, make_topic, read_topic
):
    topic = await make_topic(partitions=1)
    group = f"test-group-{uuid.uuid4().hex[:8]}"
    dlq = await make_topic(name=f"{group}.dlq", partitions=1)
    handled: list[str] = []
    done = asyncio.Event()

    async def handle(event) -> None:  # type: ignore[no-untyped-def]
        handled.append(event.subject)
        done.set()

    await publish(producer, topic, b"\x00not json at all{", key=b"studio-1")
    await publish(producer, topic, b'{"type": "NoSuchEvent"}', key=b"studio-1")
    await publish_event(producer, topic, client_imported("after-the-poison"))
    broker = KafkaBroker(kafka_bootstrap)
    EventConsumer(broker, DeadLetters(producer, group)).subscribe([topic], handle)
    await broker.start()
    try:
        await asyncio.wait_for(done.wait(), 60)
    finally:
        await broker.stop()

    assert handled == ["after-the-poison"]
    letters = await read_topic(dlq, expected=2)
    assert [letter.value for letter in letters] == [
        b"\x00not json at all{",
        b'{"type": "NoSuchEvent"}',
    ]
    reasons = [{k: v.decode() for k, v in letter.headers} for letter in letters]
    assert [r["dlq_attempts"] for r in reasons] == ["0", "0"]
    assert [r["dlq_error_type"] for r in reasons] == ["MalformedRecord", "InvalidEnvelope"]
    assert "not JSON" in reasons[0]["dlq_reason"]
    assert "schema_version" in reasons[1]["dlq_reason"]


async def test_a_consumer_dying_between_effect_and_offset_commit_does_not_double_the_effect(
    kafka_bootstrap, database, pool, producer, make_topic
):
    topic = await make_topic(partitions=1)
    group = f"test-group-{uuid.uuid4().hex[:8]}"
    await make_topic(name=f"{group}.dlq", partitions=1)
    await pool.execute("CREATE TABLE effects (event_id uuid, subject text)")
    event = client_imported("crash-victim")
    await publish_event(producer, topic, event)  # before the group exists: read from earliest

    argv = [sys.executable, str(CRASHING_CONSUMER), kafka_bootstrap, database, topic, group]
    crashed = await asyncio.to_thread(
        subprocess.run,
        argv,
        env={**_env(), "FRONTDESK_TEST_CRASH_AFTER_EFFECT": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert crashed.returncode == 17, crashed.stderr[-2000:]
    assert outcomes(crashed.stdout) == [f"applied {event.id}"]

    restarted = await asyncio.to_thread(
        subprocess.run, argv, env=_env(), capture_output=True, text=True, timeout=120
    )
    assert restarted.returncode == 0, restarted.stderr[-2000:]
    assert outcomes(restarted.stdout) == [f"duplicate {event.id}"], "not redelivered"
    assert await pool.fetchval("SELECT count(*) FROM effects") == 1


def _env() -> dict[str, str]:
    return dict(os.environ)


def outcomes(stdout: str) -> list[str]:
    """The consumer's own report lines (FastStream logs to stdout as well)."""
    return [line for line in stdout.splitlines() if line.startswith(("applied", "duplicate"))]
