"""Replay sets exactly the offsets Kafka's own `kafka-consumer-groups --reset-offsets`
would, refuses while the group has live members, and changes nothing on bad arguments."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import OffsetAndMetadata

from frontdesk_devstack.config import StackConfig
from frontdesk_devstack.kafka import java_executable

from .cli import Cli

pytestmark = pytest.mark.integration

BASE = datetime(2026, 1, 1, tzinfo=UTC)
PER_PARTITION = 10


@pytest.fixture
def cli(kafka_bootstrap: str, tmp_path: Path) -> Cli:
    return Cli(kafka_bootstrap, "", tmp_path / "audit.jsonl")


async def _fill(producer: AIOKafkaProducer, topic: str, partitions: int) -> None:
    """10 records per partition, the i-th stamped BASE + i minutes."""
    for partition in range(partitions):
        for i in range(PER_PARTITION):
            stamp = int((BASE + timedelta(minutes=i)).timestamp() * 1000)
            await producer.send_and_wait(
                topic, b"x", key=b"k", partition=partition, timestamp_ms=stamp
            )


async def _commit(bootstrap: str, group: str, offsets: dict[TopicPartition, int]) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    await consumer.start()
    try:
        consumer.assign(list(offsets))
        await consumer.commit({tp: OffsetAndMetadata(o, "") for tp, o in offsets.items()})
    finally:
        await consumer.stop()


async def _committed(bootstrap: str, group: str, topic: str) -> dict[int, int]:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        found = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return {tp.partition: o.offset for tp, o in found.items() if tp.topic == topic}


def _kafka_tool(bootstrap: str, group: str, topic: str, *how: str) -> dict[int, int]:
    """NEW-OFFSET per partition from Kafka's ConsumerGroupCommand --dry-run."""
    libs = StackConfig.from_env().dir("kafka") / "libs"
    command = [
        java_executable(),
        "-cp",
        f"{libs}/*",
        "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
        "--bootstrap-server",
        bootstrap,
        "--group",
        group,
        "--reset-offsets",
        *how,
        "--topic",
        topic,
        "--dry-run",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    offsets = {}
    for line in done.stdout.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] == group:
            offsets[int(parts[2])] = int(parts[3])
    assert offsets, done.stdout + done.stderr
    return offsets


CASES = [
    # (our options, Kafka's options)
    (["--to-datetime", "2026-01-01T00:04:30Z"], ["--to-datetime", "2026-01-01T00:04:30.000Z"]),
    (["--to-datetime", "2026-01-01T00:00:00Z"], ["--to-datetime", "2026-01-01T00:00:00.000Z"]),
    (["--to-datetime", "2027-01-01T00:00:00Z"], ["--to-datetime", "2027-01-01T00:00:00.000Z"]),
    (["--to-offset", "4"], ["--to-offset", "4"]),
    (["--to-offset", "99"], ["--to-offset", "99"]),
    (["--shift-by", "-3"], ["--shift-by", "-3"]),
    (["--shift-by", "-50"], ["--shift-by", "-50"]),
    (["--to-earliest"], ["--to-earliest"]),
    (["--to-latest"], ["--to-latest"]),
    (["--by-duration", "P7D"], ["--by-duration", "P7D"]),
]


@pytest.fixture
async def filled(
    producer: AIOKafkaProducer, make_topic: Callable[..., Awaitable[str]]
) -> tuple[str, str]:
    """A topic of 3 partitions, 10 records each (see `_fill`), and a new group's name."""
    topic = await make_topic("replay", partitions=3)
    await _fill(producer, topic, 3)
    return topic, f"replay-test-{uuid.uuid4().hex[:8]}"


async def test_offsets_equal_kafkas_reset_tool(
    cli: Cli, kafka_bootstrap: str, filled: tuple[str, str]
) -> None:
    topic, group = filled
    # Partitions at different places: 10 (end), 7, and 2.
    start = {0: 10, 1: 7, 2: 2}
    await _commit(kafka_bootstrap, group, {TopicPartition(topic, p): o for p, o in start.items()})

    for ours, theirs in CASES:
        result = await cli("replay", "--group", group, "--topic", topic, *ours)
        assert result.exit_code == 0, result.output
        [line] = result.audit
        planned = {p["partition"]: p["new"] for p in line["partitions"]}
        expected = await asyncio.to_thread(_kafka_tool, kafka_bootstrap, group, topic, *theirs)
        assert planned == expected, f"{ours}: ours {planned} != Kafka's {expected}"
        assert line["dry_run"] is True
    # Dry runs changed nothing.
    assert await _committed(kafka_bootstrap, group, topic) == start


async def test_chosen_partitions_execute_and_report_what_is_reread(
    cli: Cli, kafka_bootstrap: str, filled: tuple[str, str]
) -> None:
    topic, group = filled
    await _commit(kafka_bootstrap, group, {TopicPartition(topic, p): 10 for p in range(3)})

    result = await cli(
        "replay", "--group", group, "--topic", f"{topic}:0,2", "--to-offset", "6",
        "--execute", "--reason", "lost data", "--yes",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert await _committed(kafka_bootstrap, group, topic) == {0: 6, 1: 10, 2: 6}
    [line] = result.audit
    assert line["operator"] == "test-operator" and line["reason"] == "lost data"
    assert [(p["partition"], p["reread"]) for p in line["partitions"]] == [(0, 4), (2, 4)]


async def test_refuses_while_the_group_has_live_members_unless_waiting(
    cli: Cli,
    kafka_bootstrap: str,
    producer: AIOKafkaProducer,
    make_topic: Callable[..., Awaitable[str]],
) -> None:
    topic = await make_topic("replay", partitions=1)
    await _fill(producer, topic, 1)
    group = f"replay-test-{uuid.uuid4().hex[:8]}"
    member = AIOKafkaConsumer(topic, bootstrap_servers=kafka_bootstrap, group_id=group)
    await member.start()
    try:
        await member.getmany(timeout_ms=3000)
        await member.commit()
        before = await _committed(kafka_bootstrap, group, topic)
        refused = await cli(
            "replay", "--group", group, "--to-earliest", "--topic", topic,
            "--execute", "--reason", "r", "--yes",
        )  # fmt: skip
        assert refused.exit_code == 1
        assert "live member" in refused.output
        assert await _committed(kafka_bootstrap, group, topic) == before

        async def leave_soon() -> None:
            await asyncio.sleep(1.0)
            await member.stop()

        leaving = asyncio.create_task(leave_soon())
        waited = await cli(
            "replay", "--group", group, "--to-earliest", "--topic", topic,
            "--execute", "--reason", "r", "--yes", "--wait", "30",
        )  # fmt: skip
        await leaving
    finally:
        await member.stop()
    assert waited.exit_code == 0, waited.output
    assert await _committed(kafka_bootstrap, group, topic) == {0: 0}


BAD = [
    (["--service", "nope", "--to-earliest"], "unknown service"),
    (["--to-earliest"], "exactly one of --service or --group"),
    (["--group", "G", "--to-earliest", "--to-latest"], "exactly one of --to-datetime"),
    (["--group", "G"], "exactly one of --to-datetime"),
    (["--group", "G", "--to-datetime", "yesterday"], "not a time"),
    (["--group", "G", "--to-datetime", "2026-01-01T00:00:00"], "no time zone"),
    (["--group", "G", "--by-duration", "soon"], "--by-duration"),
    (["--group", "G", "--to-offset", "-1"], "--to-offset must be 0 or more"),
    (["--group", "G", "--to-earliest", "--execute", "--yes"], "--reason is required"),
    (["--group", "G", "--to-earliest", "--wait", "-1"], "--wait"),
    (["--group", "G", "--to-earliest", "--topic", "T:x"], "partitions must be numbers"),
]


@pytest.mark.parametrize(("args", "message"), BAD)
async def test_bad_arguments_give_a_clear_error_and_change_nothing(
    cli: Cli, args: list[str], message: str
) -> None:
    result = await cli("replay", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert result.audit == []


async def test_unknown_topic_or_partition_is_refused(
    cli: Cli, kafka_bootstrap: str, make_topic: Callable[..., Awaitable[str]]
) -> None:
    topic = await make_topic("replay", partitions=2)
    group = f"replay-test-{uuid.uuid4().hex[:8]}"
    for spec, message in [(f"{topic}.missing", "does not exist"), (f"{topic}:5", "no partition 5")]:
        result = await cli(
            "replay", "--group", group, "--topic", spec, "--to-earliest",
            "--execute", "--reason", "r", "--yes",
        )  # fmt: skip
        assert result.exit_code == 2, result.output
        assert message in result.output
    assert await _committed(kafka_bootstrap, group, topic) == {}
