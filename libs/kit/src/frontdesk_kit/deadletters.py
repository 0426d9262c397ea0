"""Publishing dead letters: where a consumer group puts a record it cannot handle.

What a dead letter looks like (original key, value and headers plus `dlq_*`
headers with the reason and origin) is part of the contracts
(`frontdesk_contracts.dead_letter_record`); this module only delivers it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

from aiokafka import AIOKafkaProducer

from frontdesk_contracts import dead_letter_record, dead_letter_topic

log = logging.getLogger("frontdesk.deadletters")


class ConsumedRecord(Protocol):
    """The parts of a consumed Kafka record a dead letter keeps (aiokafka's ConsumerRecord)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]]


class DeadLetters:
    """Publishes a consumer group's dead letters; keeps trying until Kafka takes them.

    `topic_prefix` (settings' TOPIC_PREFIX) namespaces the group as well as its topic:
    the group id becomes `<prefix><group>` and the dead-letter topic
    `<prefix><group>.dlq`, so a test namespace's consumers never join the real group.
    Empty in production: the catalogue's group and topic exactly.
    """

    def __init__(
        self,
        producer: AIOKafkaProducer,
        group_id: str,
        *,
        retry_delay: float = 1.0,
        topic_prefix: str = "",
    ) -> None:
        self._producer = producer
        self.group_id = topic_prefix + group_id
        self.topic = dead_letter_topic(self.group_id)
        self._retry_delay = retry_delay

    async def send(self, record: ConsumedRecord, error: BaseException | str, attempts: int) -> None:
        """Publish `record` to the dead-letter topic; return only once Kafka acknowledged it.

        The consumer commits its offset after this returns, so a dead letter that
        could not be written is never skipped: we wait for Kafka instead.
        """
        letter = dead_letter_record(
            group_id=self.group_id,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key,
            value=record.value,
            headers=list(record.headers or ()),
            error=error,
            attempts=attempts,
        )
        while True:
            try:
                sent = await self._producer.send(
                    self.topic, value=letter.value, key=letter.key, headers=letter.headers
                )
                await sent
            except Exception as failure:  # noqa: BLE001 - any Kafka error: wait and retry
                log.error("dead letter not written yet; retrying", extra={"error": repr(failure)})
                await asyncio.sleep(self._retry_delay)
                continue
            log.warning(
                "record sent to the dead-letter topic",
                extra={
                    "dlq_topic": self.topic,
                    "error": str(error)[:200],
                    "origin": f"{record.topic}/{record.partition}/{record.offset}",
                },
            )
            return
