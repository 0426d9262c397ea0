"""Create every topic of the contracts' catalogue (dead-letter topics included)."""

from __future__ import annotations

import asyncio
import contextlib

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from .config import StackConfig


async def ensure_topics(bootstrap: str, prefix: str = "") -> list[str]:
    """Create the catalogue's missing topics (names prefixed); return those created."""
    from frontdesk_contracts.catalogue import all_topics

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(prefix + t.name, t.partitions, 1, topic_configs=dict(t.config))
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


def create(cfg: StackConfig) -> None:
    created = asyncio.run(ensure_topics(cfg.kafka_bootstrap))
    if created:
        print(f"topics     created {', '.join(created)}")
    else:
        print("topics     all present")
