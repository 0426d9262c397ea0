"""Kafka consumers for Frontdesk services: parse, handle in batches, retry, dead-letter,
then commit.

`EventConsumer.route` registers one FastStream batch subscriber: each fetch (at most
`max_records` records; Kafka's per-partition fetch size bounds the bytes) is split by
partition, the partitions are handled concurrently, and within a partition the
records keep their order. Consecutive records that go to the same `Batch` handler are
handed to it together (one transaction for all of them); any other handler gets one
event at a time.

Before parsing, the fetch's event ids (their ``ce_id`` headers) are looked up in the
group's handled-event ledger when the consumer has one (`already_handled`): a record
already handled is passed over unparsed, which is what a replay mostly reads.

A record that cannot be parsed goes straight to the group's dead-letter topic. A batch
that fails is retried with backoff (not after a `PermanentError`); if it still fails,
its records are handled one by one, each retried with backoff a bounded number of
times, and a record that keeps failing is dead-lettered while the rest go through (a
poison record is isolated).

An outage is not a poison record: while PostgreSQL (or another server a handler needs)
does not answer (`is_outage`), the handler is tried again with backoff for as long as it
takes, without counting an attempt, and nothing is dead-lettered or committed meanwhile;
the ledger lookup waits the same way.
Handlers are idempotent by event id (the handled-event ledger), so what the batch had
done before it failed is not done twice. Offsets are committed only after every record
of the fetch was handled or dead-lettered; should anything else escape, FastStream's
NACK_ON_ERROR rewinds each partition of the fetch to its first record, so no offset moves
past a record that was not handled. (Left to itself, NACK_ON_ERROR re-reads a failing
record at once and forever, which is why the retries live here.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import groupby
from typing import Any
from uuid import UUID

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from frontdesk_contracts.headers import CE_ID

from .deadletters import ConsumedRecord, DeadLetters
from .logs import log_context
from .retries import RetryPolicy, through_outages

log = logging.getLogger("frontdesk.consumer")

Handler = Callable[[Any], Awaitable[None]]
Parser = Callable[[bytes, Sequence[tuple[str, bytes]]], Any]


@dataclass(frozen=True)
class Batch:
    """A handler that takes several consecutive events of one partition at once, in
    order, and applies them in one transaction (see `PgUnitsOfWork.once_each`)."""

    handle: Callable[[Sequence[Any]], Awaitable[None]]


# FastStream's batch subscriber waits this long for records and, when none came, sleeps
# as long again before it asks: a record arriving then waits. Short, so an idle consumer
# picks a record up within ~20 ms (at the cost of ~25 cheap wake-ups a second).
_IDLE_WAIT_MS = 20

Route = Callable[[Any], "Handler | Batch | None"]
"""The handler of a parsed event, or None when the group has no use for it (skipped)."""


class PermanentError(Exception):
    """Raised by a handler when retrying cannot help: the record is dead-lettered at once."""


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
        already_handled: Callable[[Sequence[UUID]], Awaitable[set[UUID]]] | None = None,
    ) -> None:
        self._broker = broker
        self._dead_letters = dead_letters
        self.group_id = dead_letters.group_id
        self._retry = retry or RetryPolicy()
        self._parse = parse or _contracts_parser()
        self._already_handled = already_handled

    def subscribe(self, topics: Sequence[str], handler: Handler | Batch) -> None:
        """Deliver every event on `topics` to `handler`, once per record, in order."""
        self.route(topics, lambda _: handler)

    def route(self, topics: Sequence[str], route: Route, *, max_records: int = 500) -> None:
        """Deliver every event on `topics` to the handler `route` names for it."""

        async def on_batch(message: KafkaMessage) -> None:
            await self.process(message.raw_message, route)

        self._broker.subscriber(
            *topics,
            batch=True,
            max_records=max_records,
            batch_timeout_ms=_IDLE_WAIT_MS,
            group_id=self.group_id,
            auto_offset_reset="earliest",  # a new group reads the topic from its start
            # Commit once the handler returned; if it raised, rewind (never commit past it).
            ack_policy=AckPolicy.NACK_ON_ERROR,
        )(on_batch)

    async def process(self, records: Sequence[ConsumedRecord], route: Route) -> None:
        """Handle (or dead-letter) every record of a fetch. Never raises for bad input."""
        ids = [_event_id(record) for record in records]
        done = await self._handled_before({i for i in ids if i is not None})
        by_partition: dict[tuple[str, int], list[_Work]] = {}
        for record, event_id in zip(records, ids, strict=True):
            if event_id in done:
                continue
            work = await self._prepare(record, route)
            if work is not None:
                by_partition.setdefault((record.topic, record.partition), []).append(work)
        await asyncio.gather(*(self._in_order(works) for works in by_partition.values()))

    async def _handled_before(self, ids: set[UUID]) -> set[UUID]:
        if self._already_handled is None or not ids:
            return set()
        lookup = self._already_handled
        return await through_outages(lambda: lookup(list(ids)), self._retry, "the consumer")

    async def _prepare(self, record: ConsumedRecord, route: Route) -> _Work | None:
        try:
            event = self._parse(record.value or b"", list(record.headers or ()))
        except Exception as error:  # noqa: BLE001 - whatever the parser raised, it is unparseable
            await self._dead_letters.send(record, error, attempts=0)
            return None
        handler = route(event)
        return None if handler is None else _Work(record, event, handler)

    async def _in_order(self, works: list[_Work]) -> None:
        """One partition's records, in order; runs for one `Batch` handler together."""
        for handler, run in _runs(works):
            if isinstance(handler, Batch) and len(run) > 1:
                events = [work.event for work in run]
                if await self._attempts(partial(handler.handle, events)) is None:
                    continue
                log.warning("handling the batch's records one by one", extra={"records": len(run)})
            for work in run:
                with _context(work.event):
                    await self._one(work)

    async def _one(self, work: _Work) -> None:
        handler = work.handler
        call = (
            partial(handler.handle, [work.event])
            if isinstance(handler, Batch)
            else partial(handler, work.event)
        )
        failure = await self._attempts(call)
        if failure is not None:
            await self._dead_letters.send(work.record, failure[0], attempts=failure[1])

    async def _attempts(self, call: Callable[[], Awaitable[None]]) -> tuple[Exception, int] | None:
        """Run `call`, retrying with backoff; None once it succeeded, else the last error
        and the attempts made (a `PermanentError` ends the retries at once). An outage
        is waited out and not counted."""
        attempt = 0
        while True:
            attempt += 1
            try:
                await through_outages(call, self._retry, "the consumer")
                return None
            except PermanentError as error:
                return error, attempt
            except Exception as error:  # noqa: BLE001 - a handler bug must not stop the group
                if attempt >= self._retry.attempts:
                    return error, attempt
                log.warning(
                    "handler failed; will retry", extra={"attempt": attempt, "error": repr(error)}
                )
                await asyncio.sleep(self._retry.delay(attempt))


@dataclass(frozen=True)
class _Work:
    record: ConsumedRecord
    event: Any
    handler: Handler | Batch


def _event_id(record: ConsumedRecord) -> UUID | None:
    """The record's ``ce_id`` header as a UUID; None when it has none or it is not one
    (the parser then says what is wrong with the record)."""
    for name, value in record.headers or ():
        if name == CE_ID:
            try:
                return UUID(value.decode("ascii"))
            except (UnicodeDecodeError, ValueError):
                return None
    return None


def _runs(works: list[_Work]) -> Iterator[tuple[Handler | Batch, list[_Work]]]:
    """Consecutive works for one handler, grouped (order kept)."""
    for handler, run in groupby(works, key=lambda work: work.handler):
        yield handler, list(run)


def _context(event: Any) -> Any:
    return log_context(
        event_id=str(getattr(event, "id", "")),
        correlation_id=str(getattr(event, "correlation_id", "") or ""),
    )
