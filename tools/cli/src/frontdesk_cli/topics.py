"""The contracts' catalogue made real on a cluster: every topic, dead-letter topics too.

One implementation for every place topics are created: `frontdesk topics ensure` (the
compose stack's one-shot job, an operator's first install), devstack's `make up`, and
the tests' prefixed topics.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from frontdesk_contracts.catalogue import all_topics

from .common import OpsFailure


async def ensure_topics(bootstrap: str, prefix: str = "", replication_factor: int = 1) -> list[str]:
    """Create the catalogue's missing topics (names prefixed); return those created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(
                prefix + t.name, t.partitions, replication_factor, topic_configs=dict(t.config)
            )
            for t in all_topics()
            if prefix + t.name not in existing
        ]
        if wanted:
            # Another `up` may race us; existing topics are all we need.
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(wanted)
        return [t.name for t in wanted]
    finally:
        await admin.close()


async def ensure_when_kafka_answers(
    bootstrap: str, prefix: str, replication_factor: int, wait_seconds: float
) -> list[str]:
    """`ensure_topics`, retried while the cluster does not answer yet (it may be starting,
    as in a compose stack), for at most `wait_seconds`."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return await ensure_topics(bootstrap, prefix, replication_factor)
        except KafkaError as error:
            if time.monotonic() >= deadline:
                raise OpsFailure(
                    f"Kafka at {bootstrap} did not answer within {wait_seconds:.0f}s: {error!r}"
                ) from None
            await asyncio.sleep(1)
