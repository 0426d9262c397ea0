"""Create every topic of the contracts' catalogue (dead-letter topics included).

The implementation is the ops CLI's (`frontdesk_cli.topics`), which the compose stack's
one-shot job runs as `frontdesk topics ensure`: one way to create topics everywhere.
"""

from __future__ import annotations

import asyncio

from frontdesk_cli.topics import ensure_topics

from .config import StackConfig

__all__ = ["create", "ensure_topics"]


def create(cfg: StackConfig) -> None:
    created = asyncio.run(ensure_topics(cfg.kafka_bootstrap))
    if created:
        print(f"topics     created {', '.join(created)}")
    else:
        print("topics     all present")
