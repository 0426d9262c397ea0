"""The exactly-once check: every record of a topic read back, its `ce_id` header against
the ids written. A run whose check fails has figures that do not count."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from .fixtures import PARTITIONS, deadline, stop_consumer


async def check_topic(bootstrap: str, topic: str, written: set[str]) -> dict[str, Any]:
    """Read the whole topic back: is every written ce_id there exactly once?"""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    seen: Counter[str] = Counter()
    try:
        parts = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        first = await consumer.beginning_offsets(parts)
        end = await consumer.end_offsets(parts)
        on_topic = sum(end[tp] - first[tp] for tp in parts)
        todo = {tp for tp in parts if end[tp] > first[tp]}
        async with deadline(f"reading {topic} back", 60):
            while todo:
                for tp, batch in (await consumer.getmany(*todo, timeout_ms=1000)).items():
                    for msg in batch:
                        seen[_ce_id(msg.headers)] += 1
                    if batch and batch[-1].offset + 1 >= end[tp]:
                        todo.discard(tp)
    finally:
        await stop_consumer(consumer)
    return tally(topic, written, on_topic, seen)


def tally(topic: str, written: set[str], on_topic: int, seen: Counter[str]) -> dict[str, Any]:
    """What was read against what was written; `ok` only when every id came exactly once."""
    ids = set(seen)
    result: dict[str, Any] = {
        "topic": topic,
        "written": len(written),
        "on_topic": on_topic,
        "read": sum(seen.values()),
        "distinct_ce_ids": len(ids),
        "duplicates": sum(n - 1 for n in seen.values() if n > 1),
        "missing": len(written - ids),
        "unexpected": len(ids - written),
    }
    result["ok"] = on_topic == result["read"] == len(written) == len(ids) and ids == written
    return result


def _ce_id(headers: Sequence[tuple[str, bytes]]) -> str:
    for name, value in headers:
        if name == "ce_id":
            return value.decode()
    return "<no ce_id header>"
