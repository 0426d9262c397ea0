"""Dead letters: read a group's dead-letter topic, redrive letters to their topic, purge.

A letter keeps the original key, value and headers plus ``dlq_*`` headers (see
`frontdesk_contracts.dead_letter_record`); redriving publishes it back to
``dlq_original_topic`` without the ``dlq_*`` headers, where the consumers' handled-event
records make a second delivery harmless. Purging deletes the topic's records below an
offset (Kafka cannot delete one record from the middle of a log).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import RecordsToDelete

from frontdesk_contracts import dead_letter_topic
from frontdesk_contracts.headers import (
    CE_ID,
    CE_TYPE,
    CORRELATION_ID,
    DLQ_ATTEMPTS,
    DLQ_ERROR_TYPE,
    DLQ_FAILED_AT,
    DLQ_ORIGINAL_OFFSET,
    DLQ_ORIGINAL_PARTITION,
    DLQ_ORIGINAL_TOPIC,
    DLQ_REASON,
)
from frontdesk_kit import idempotent_producer

from .common import BadArgument, OpsFailure
from .kafka import Cluster


@dataclass(frozen=True)
class Letter:
    """One dead letter, as read from the dead-letter topic."""

    partition: int
    offset: int
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]] = field(default_factory=list)

    def header(self, name: str) -> str:
        """A header's text ('' when absent)."""
        for key, raw in self.headers:
            if key == name:
                return raw.decode("utf-8", "replace")
        return ""

    @property
    def original_headers(self) -> list[tuple[str, bytes]]:
        """The headers the record had before it was dead-lettered."""
        return [(k, v) for k, v in self.headers if not k.startswith("dlq_")]

    def summary(self) -> dict[str, Any]:
        """What `dlq list` shows of the letter."""
        return {
            "offset": self.offset,
            "failed_at": self.header(DLQ_FAILED_AT),
            "event_type": self.header(CE_TYPE),
            "event_id": self.header(CE_ID),
            "origin": f"{self.header(DLQ_ORIGINAL_TOPIC)}/{self.header(DLQ_ORIGINAL_PARTITION)}"
            f"/{self.header(DLQ_ORIGINAL_OFFSET)}",
            "reason": self.header(DLQ_REASON),
        }

    def details(self) -> dict[str, Any]:
        """What `dlq show` prints: reason, origin, every header and the value."""
        try:
            value: Any = json.loads(self.value)
        except ValueError:
            value = self.value.decode("utf-8", "replace")
        return {
            "offset": self.offset,
            "reason": self.header(DLQ_REASON),
            "error_type": self.header(DLQ_ERROR_TYPE),
            "attempts": self.header(DLQ_ATTEMPTS),
            "failed_at": self.header(DLQ_FAILED_AT),
            "original": {
                "topic": self.header(DLQ_ORIGINAL_TOPIC),
                "partition": self.header(DLQ_ORIGINAL_PARTITION),
                "offset": self.header(DLQ_ORIGINAL_OFFSET),
            },
            "event_id": self.header(CE_ID),
            "correlation_id": self.header(CORRELATION_ID),
            "key": self.key.decode("utf-8", "replace"),
            "headers": {k: v.decode("utf-8", "replace") for k, v in self.headers},
            "value": value,
        }


@dataclass(frozen=True)
class Selection:
    """Which letters a redrive takes: chosen offsets, or all matching the filters."""

    offsets: Sequence[int] = ()
    every: bool = False
    event_type: str | None = None
    reason_contains: str | None = None

    def validate(self) -> None:
        """Exactly one way of choosing; an unfiltered redrive must say --all."""
        filtered = self.event_type is not None or self.reason_contains is not None
        if self.offsets and (self.every or filtered):
            raise BadArgument("give either --offset or --all/filters, not both")
        if not self.offsets and not self.every and not filtered:
            raise BadArgument(
                "choose letters: --offset N (repeatable), --all, --event-type or --reason-contains"
            )
        if any(o < 0 for o in self.offsets):
            raise BadArgument("--offset must be 0 or more")

    def matches(self) -> Callable[[Letter], bool]:
        """A predicate over letters."""
        wanted = set(self.offsets)

        def match(letter: Letter) -> bool:
            if wanted:
                return letter.offset in wanted
            if self.event_type is not None and letter.header(CE_TYPE) != self.event_type:
                return False
            reason = letter.header(DLQ_REASON).lower()
            return self.reason_contains is None or self.reason_contains.lower() in reason

        return match


def topic_of(prefix: str, group: str) -> str:
    """The dead-letter topic of `group` under the topic prefix (a group id that already
    carries the prefix, as test namespaces' groups do, is not prefixed twice)."""
    named = dead_letter_topic(group)
    return named if prefix and group.startswith(prefix) else prefix + named


async def read_letters(cluster: Cluster, topic: str) -> list[Letter]:
    """Every letter now on `topic`, oldest first (reads up to the current end, then stops)."""
    partitions = [TopicPartition(topic, p) for p in await cluster.partitions(topic)]
    starts, ends = await cluster.bounds(partitions)
    letters: list[Letter] = []
    todo = {tp for tp in partitions if ends[tp] > starts[tp]}
    if not todo:
        return letters
    reader = AIOKafkaConsumer(
        bootstrap_servers=cluster.bootstrap, enable_auto_commit=False, group_id=None
    )
    await reader.start()
    try:
        reader.assign(list(todo))
        for tp in todo:
            reader.seek(tp, starts[tp])
        while todo:
            batch = await reader.getmany(*todo, timeout_ms=5000)
            if not batch:
                raise OpsFailure(f"timed out reading {topic}")
            for tp, records in batch.items():
                for r in records:
                    if r.offset < ends[tp]:
                        letters.append(
                            Letter(
                                r.partition, r.offset, r.key or b"", r.value or b"", list(r.headers)
                            )
                        )
                if records and records[-1].offset + 1 >= ends[tp]:
                    todo.discard(tp)
    finally:
        await reader.stop()
    return sorted(letters, key=lambda letter: (letter.partition, letter.offset))


async def redrive(cluster: Cluster, letters: Sequence[Letter]) -> list[dict[str, Any]]:
    """Publish each letter back to its original topic; return where each went."""
    if any(not letter.header(DLQ_ORIGINAL_TOPIC) for letter in letters):
        raise OpsFailure("a chosen letter has no dlq_original_topic header; nothing sent")
    producer = idempotent_producer(cluster.bootstrap, client_id="frontdesk-cli")
    await producer.start()
    sent: list[dict[str, Any]] = []
    try:
        for letter in letters:
            topic = letter.header(DLQ_ORIGINAL_TOPIC)
            meta = await producer.send_and_wait(
                topic, value=letter.value, key=letter.key, headers=letter.original_headers
            )
            sent.append(
                {
                    "dlq_offset": letter.offset,
                    "event_id": letter.header(CE_ID),
                    "to": f"{topic}/{meta.partition}/{meta.offset}",
                }
            )
    finally:
        await producer.stop()
    return sent


async def purge(cluster: Cluster, topic: str, before: int | None) -> dict[int, int]:
    """Delete the topic's records below `before` (None: all now there); per partition, how many."""
    partitions = [TopicPartition(topic, p) for p in await cluster.partitions(topic)]
    starts, ends = await cluster.bounds(partitions)
    cut = {
        tp: ends[tp] if before is None else min(max(before, starts[tp]), ends[tp])
        for tp in partitions
    }
    deleted = {tp.partition: cut[tp] - starts[tp] for tp in partitions}
    todo = {tp: RecordsToDelete(cut[tp]) for tp in partitions if cut[tp] > starts[tp]}
    if todo:
        await cluster.admin.delete_records(todo)
    return deleted
