"""In-memory stand-ins for the kit's Kafka producer, outbox and handled-event ledger.

They are the same for every service, so they live here once; a service's own fakes
(its units of work and repositories) stay in its tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypeVar
from uuid import UUID

from aiokafka.errors import KafkaConnectionError

from frontdesk_contracts import Envelope, KafkaRecord, header_value, to_record
from frontdesk_kit.unit_of_work import first_of_each


@dataclass
class SentRecord:
    """One record the fake producer acknowledged."""

    topic: str
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]

    def header(self, name: str) -> str | None:
        """The value of header `name`, decoded, or None."""
        return header_value(self.headers, name)


@dataclass
class FakeProducer:
    """Stands in for aiokafka's producer: `send` returns a delivery future, like aiokafka's.

    The first `fail_first` sends fail, either when sending (`fail_in="send"`, as when
    the broker is unreachable) or when the delivery future resolves (`"delivery"`, as
    when the broker times out). Only acknowledged records are kept in `sent`.
    """

    fail_first: int = 0
    fail_in: Literal["send", "delivery"] = "send"
    attempts: int = 0
    sent: list[SentRecord] = field(default_factory=list)

    async def send(
        self,
        topic: str,
        value: bytes | None = None,
        key: bytes | None = None,
        partition: int | None = None,
        timestamp_ms: int | None = None,
        headers: Sequence[tuple[str, bytes]] | None = None,
    ) -> asyncio.Future[None]:
        """Accept one record; the future resolves when it is "acknowledged"."""
        self.attempts += 1
        delivery: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self.attempts <= self.fail_first:
            failure = KafkaConnectionError(f"broker unavailable (attempt {self.attempts})")
            if self.fail_in == "send":
                raise failure
            delivery.set_exception(failure)
            return delivery
        self.sent.append(SentRecord(topic, key, value, list(headers or ())))
        delivery.set_result(None)
        return delivery

    async def send_and_wait(self, topic: str, *args: Any, **kwargs: Any) -> None:
        """`send` (same arguments), then wait for the acknowledgement."""
        await (await self.send(topic, *args, **kwargs))

    def topics(self) -> list[str]:
        """The topic of every acknowledged record, in order."""
        return [record.topic for record in self.sent]


@dataclass
class RecordingOutbox:
    """Stands in for the kit's `Outbox`: keeps what would have been queued, in order."""

    topic_prefix: str = ""
    records: list[tuple[UUID, KafkaRecord]] = field(default_factory=list)
    events: list[Envelope[Any]] = field(default_factory=list)

    async def add_event(self, conn: Any, event: Envelope[Any]) -> None:
        """Queue a contract event (kept whole in `events`, and as its record)."""
        self.events.append(event)
        await self.add(conn, event.id, to_record(event))

    async def add(self, conn: Any, event_id: UUID, record: KafkaRecord) -> None:
        """Queue one record, its topic prefixed as the real outbox does."""
        self.records.append((event_id, replace(record, topic=self.topic_prefix + record.topic)))

    def types(self) -> list[str]:
        """The types of the queued events, in order."""
        return [event.type for event in self.events]


Effect = Callable[[Any], Awaitable[None]]
U = TypeVar("U")


async def once_each(
    transaction: Callable[[], AbstractAsyncContextManager[U]],
    handled: Callable[[U], set[UUID]],
    events: Sequence[Envelope[Any]],
    effect: Callable[[U, list[Envelope[Any]]], Awaitable[None]],
) -> list[Envelope[Any]]:
    """The kit's `once_each` for a service's in-memory units of work: in one of its
    transactions, mark the events handled and run `effect` on those not handled before
    (in order, each id once). `handled(uow)` is the fake's set of handled ids."""
    async with transaction() as uow:
        done = handled(uow)
        todo = first_of_each(events, {event.id for event in events} - done)
        done.update(event.id for event in todo)
        if todo:
            await effect(uow, todo)
    return todo


@dataclass
class FakeHandledEvents:
    """Stands in for the kit's `HandledEvents`: each event's effect runs once.

    The effect is handed `connection` (whatever the service's fakes use for a
    transaction). An effect that raises leaves the event unhandled, so a retry runs it.
    """

    connection: Any = None
    handled: list[UUID] = field(default_factory=list)

    async def once(self, event_id: UUID, effect: Effect) -> bool:
        """Run `effect` unless `event_id` was handled; True if it ran."""
        if event_id in self.handled:
            return False
        await effect(self.connection)
        self.handled.append(event_id)
        return True

    async def seen(self, event_id: UUID) -> bool:
        """Whether `event_id` was handled."""
        return event_id in self.handled
