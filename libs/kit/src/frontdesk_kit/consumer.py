"""Kafka consumers for Frontdesk services: parse, retry, dead-letter, then commit.

`EventConsumer.subscribe` registers a FastStream subscriber that hands each typed
event to a handler. A record that cannot be parsed goes straight to the group's
dead-letter topic; a handler that keeps failing is retried with backoff a bounded
number of times, then its record is dead-lettered; either way the consumer moves on.
Offsets are committed only after the handler's effect (or the dead letter) is done.
(FastStream's NACK_ON_ERROR re-reads a failing record at once and forever, which
is why the retries live here.)
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from .deadletters import ConsumedRecord, DeadLetters
from .logs import log_context

log = logging.getLogger("frontdesk.consumer")

Handler = Callable[[Any], Awaitable[None]]
Parser = Callable[[bytes, Sequence[tuple[str, bytes]]], Any]


class PermanentError(Exception):
    """Raised by a handler when retrying cannot help: the record is dead-lettered at once."""


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff and jitter."""

    attempts: int = 4
    first_delay: float = 0.2
    max_delay: float = 5.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        ceiling = min(self.max_delay, self.first_delay * 2.0 ** min(attempt - 1, 60))
        jitter: float = random.random()  # noqa: S311 - jitter, not security
        return ceiling * (0.5 + jitter / 2)


def _contracts_parser() -> Parser:
    from frontdesk_contracts import from_record

    return from_record


class EventConsumer:
    """One consumer group of a service: subscribes handlers to topics on a FastStream broker."""

    def __init__(
        self,
        broker: KafkaBroker,
        dead_letters: DeadLetters,
        *,
        retry: RetryPolicy | None = None,
        parse: Parser | None = None,
    ) -> None:
        self._broker = broker
        self._dead_letters = dead_letters
        self.group_id = dead_letters.group_id
        self._retry = retry or RetryPolicy()
        self._parse = parse or _contracts_parser()

    def subscribe(self, topics: Sequence[str], handler: Handler) -> None:
        """Deliver every event on `topics` to `handler`, once per record, in order."""

        async def on_record(message: KafkaMessage) -> None:
            await self.process(message.raw_message, handler)  # type: ignore[arg-type]

        self._broker.subscriber(
            *topics,
            group_id=self.group_id,
            auto_offset_reset="earliest",  # a new group reads the topic from its start
            ack_policy=AckPolicy.ACK,  # commit after the handler returned, never before
        )(on_record)

    async def process(self, record: ConsumedRecord, handler: Handler) -> None:
        """Parse, handle with retries, or dead-letter one record. Never raises for bad input."""
        try:
            event = self._parse(record.value or b"", list(record.headers or ()))
        except Exception as error:  # noqa: BLE001 - whatever the parser raised, it is unparseable
            await self._dead_letters.send(record, error, attempts=0)
            return
        with log_context(
            event_id=str(getattr(event, "id", "")),
            correlation_id=str(getattr(event, "correlation_id", "") or ""),
        ):
            await self._handle_with_retries(record, event, handler)

    async def _handle_with_retries(
        self, record: ConsumedRecord, event: Any, handler: Handler
    ) -> None:
        attempt = 0
        while True:
            attempt += 1
            try:
                await handler(event)
                return
            except PermanentError as error:
                failure: Exception = error
            except Exception as error:  # noqa: BLE001 - a handler bug must not stop the group
                failure = error
                if attempt < self._retry.attempts:
                    log.warning(
                        "handler failed; will retry",
                        extra={"attempt": attempt, "error": repr(error)},
                    )
                    await asyncio.sleep(self._retry.delay(attempt))
                    continue
            await self._dead_letters.send(record, failure, attempts=attempt)
            return
