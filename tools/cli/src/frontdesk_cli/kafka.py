"""The Kafka calls the commands make, over aiokafka's admin client and a plain consumer.

`Cluster` opens both once per command. Committing a group's offsets uses a consumer
that joins no group (manual assignment, no subscription): with the group empty, the
broker accepts its commit like Kafka's own reset tool's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from aiokafka.structs import OffsetAndMetadata

from .common import BadArgument, OpsFailure

UNKNOWN_TOPIC = 3  # Kafka's UNKNOWN_TOPIC_OR_PARTITION error code


@dataclass(frozen=True)
class GroupState:
    """A consumer group's state as the broker reports it, and its live members."""

    state: str
    members: list[str]


class Cluster:
    """An admin client and a group-less consumer on one Kafka cluster."""

    def __init__(self, bootstrap: str, timeout: float = 15.0) -> None:
        self.bootstrap = self._bootstrap = bootstrap
        self._timeout = timeout
        self.admin = AIOKafkaAdminClient(
            bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000)
        )
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None
        )

    async def __aenter__(self) -> Cluster:
        try:
            await asyncio.wait_for(self.admin.start(), self._timeout)
            await asyncio.wait_for(self.consumer.start(), self._timeout)
        except (KafkaError, OSError, TimeoutError) as error:
            await self._close()
            raise OpsFailure(f"cannot reach Kafka at {self._bootstrap}: {error!r}") from None
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self._close()

    async def _close(self) -> None:
        await self.consumer.stop()
        await self.admin.close()

    async def partitions(self, topic: str) -> list[int]:
        """The partitions of `topic`; a topic that does not exist is a bad argument."""
        for _ in range(20):
            [described] = await self.admin.describe_topics([topic])
            if described["error_code"] == UNKNOWN_TOPIC:
                raise BadArgument(f"topic {topic!r} does not exist on {self._bootstrap}")
            if described["error_code"] == 0 and described["partitions"]:
                return sorted(p["partition"] for p in described["partitions"])
            await asyncio.sleep(0.25)  # e.g. a leader being elected: ask again
        raise OpsFailure(f"topic {topic!r}: error {described['error_code']} from Kafka")

    async def bounds(
        self, partitions: Iterable[TopicPartition]
    ) -> tuple[dict[TopicPartition, int], dict[TopicPartition, int]]:
        """The earliest and end (next to be written) offsets of each partition."""
        chosen = list(partitions)
        starts = await self.consumer.beginning_offsets(chosen)
        ends = await self.consumer.end_offsets(chosen)
        return starts, ends

    async def offsets_at(
        self, partitions: Iterable[TopicPartition], millis: int
    ) -> dict[TopicPartition, int | None]:
        """The first offset with a timestamp at or after `millis`, or None if none is."""
        found = await self.consumer.offsets_for_times({tp: millis for tp in partitions})
        return {tp: (hit.offset if hit is not None else None) for tp, hit in found.items()}

    async def committed(
        self, group: str, partitions: list[TopicPartition]
    ) -> dict[TopicPartition, int | None]:
        """The group's committed offsets (None where it never committed)."""
        offsets = await self.admin.list_consumer_group_offsets(group, partitions=partitions)
        result: dict[TopicPartition, int | None] = {}
        for tp in partitions:
            done = offsets.get(tp)
            result[tp] = done.offset if done is not None and done.offset >= 0 else None
        return result

    async def group_state(self, group: str) -> GroupState:
        """The group's state and the client ids of its live members."""
        [response] = await self.admin.describe_consumer_groups([group])
        described = response.groups[0]
        # DescribeGroups: (error_code, group_id, state, protocol_type, protocol, members, ...)
        members = [f"{member[1]}@{member[2]}" for member in described[5]]
        return GroupState(state=described[2], members=members)

    async def commit(self, group: str, offsets: dict[TopicPartition, int]) -> None:
        """Set the group's committed offsets (the group must have no live members)."""
        committer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap, group_id=group, enable_auto_commit=False
        )
        await committer.start()
        try:
            committer.assign(list(offsets))
            await committer.commit({tp: OffsetAndMetadata(o, "") for tp, o in offsets.items()})
        finally:
            await committer.stop()
