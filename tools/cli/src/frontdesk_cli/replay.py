"""Replay: move a consumer group's committed offsets back (or to any point), per partition.

The offsets chosen are those Kafka's ``kafka-consumer-groups --reset-offsets`` chooses
for the same request (an integration test compares them): a time picks each partition's
first record at or after it, or the end when there is none; an offset or a shift is
clamped to what the partition still holds.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from aiokafka import TopicPartition

from .common import BadArgument, OpsFailure
from .kafka import Cluster

Kind = Literal["datetime", "offset", "shift", "earliest", "latest"]


@dataclass(frozen=True)
class Target:
    """Where to move the group: a time, an absolute offset, a shift, the start or the end."""

    kind: Kind
    at: datetime | None = None
    offset: int | None = None

    def describe(self) -> str:
        """The target in words, for the audit log."""
        if self.kind == "datetime":
            assert self.at is not None
            return f"to-datetime {self.at.isoformat()}"
        if self.kind in ("offset", "shift"):
            return f"{'to-offset' if self.kind == 'offset' else 'shift-by'} {self.offset}"
        return f"to-{self.kind}"


@dataclass(frozen=True)
class PartitionPlan:
    """One partition's move: from the committed offset (None: never committed) to `new`."""

    topic: str
    partition: int
    current: int | None
    new: int
    end: int

    @property
    def reread(self) -> int:
        """Records the group will read again."""
        return max(0, self.current - self.new) if self.current is not None else 0

    @property
    def skipped(self) -> int:
        """Records the group will never read (a move forward)."""
        return max(0, self.new - self.current) if self.current is not None else 0


def choose(
    target: Target,
    start: int,
    end: int,
    current: int | None,
    at_time: int | None,
) -> int:
    """The new offset of one partition (pure: what Kafka's reset tool computes)."""
    if target.kind == "earliest":
        return start
    if target.kind == "latest":
        return end
    if target.kind == "datetime":
        return end if at_time is None else at_time
    assert target.offset is not None
    if target.kind == "offset":
        wanted = target.offset
    else:
        if current is None:
            raise OpsFailure("--shift-by needs a committed offset on every chosen partition")
        wanted = current + target.offset
    return min(max(wanted, start), end)


async def select_partitions(
    cluster: Cluster, topics: list[tuple[str, list[int] | None]]
) -> list[TopicPartition]:
    """The chosen partitions; a topic or partition that does not exist is a bad argument."""
    chosen: list[TopicPartition] = []
    for topic, wanted in topics:
        existing = await cluster.partitions(topic)
        missing = sorted(set(wanted or ()) - set(existing))
        if missing:
            raise BadArgument(
                f"topic {topic!r} has no partition {', '.join(map(str, missing))} "
                f"(it has 0..{max(existing)})"
            )
        chosen.extend(TopicPartition(topic, p) for p in (wanted or existing))
    return chosen


async def plan(
    cluster: Cluster, group: str, partitions: list[TopicPartition], target: Target
) -> list[PartitionPlan]:
    """Per partition, where the group is and where `target` moves it."""
    starts, ends = await cluster.bounds(partitions)
    committed = await cluster.committed(group, partitions)
    times: dict[TopicPartition, int | None] = {}
    if target.kind == "datetime":
        assert target.at is not None
        times = await cluster.offsets_at(partitions, int(target.at.timestamp() * 1000))
    return [
        PartitionPlan(
            tp.topic,
            tp.partition,
            committed[tp],
            choose(target, starts[tp], ends[tp], committed[tp], times.get(tp)),
            ends[tp],
        )
        for tp in partitions
    ]


async def wait_until_empty(cluster: Cluster, group: str, wait_seconds: float) -> None:
    """Return once the group has no live members; fail after `wait_seconds`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    while True:
        state = await cluster.group_state(group)
        if not state.members:
            return
        if loop.time() >= deadline:
            raise OpsFailure(
                f"group {group!r} has {len(state.members)} live member(s) "
                f"({', '.join(state.members)}); stop its service instances first, "
                "or pass --wait SECONDS to wait for them to leave"
            )
        await asyncio.sleep(min(1.0, max(0.05, deadline - loop.time())))


async def apply(cluster: Cluster, group: str, plans: list[PartitionPlan]) -> None:
    """Commit the planned offsets for the group."""
    await cluster.commit(group, {TopicPartition(p.topic, p.partition): p.new for p in plans})
