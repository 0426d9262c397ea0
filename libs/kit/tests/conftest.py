"""Fakes for the kit's unit tests: a Kafka producer, a database connection, an event source.

Test modules cannot import this file (pytest's importlib mode), so every fake is
handed out by a fixture.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError

from frontdesk_contracts import ClientImported, Envelope, header_value, new_event


@dataclass
class SentRecord:
    """One record a producer acknowledged."""

    topic: str
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)


@dataclass
class FakeProducer:
    """Stands in for aiokafka's producer: `send` returns a delivery future, like aiokafka's.

    The first `fail_first` sends fail, either when sending (`fail_in="send"`, as when
    the broker is unreachable) or when the delivery future resolves (`"delivery"`, as
    when the broker times out). Only acknowledged records are kept in `sent`.
    """

    fail_first: int = 0
    fail_in: str = "send"
    attempts: int = 0
    sent: list[SentRecord] = field(default_factory=list)

    async def send(
        self,
        topic: str,
        value: bytes | None = None,
        key: bytes | None = None,
        headers: Sequence[tuple[str, bytes]] | None = None,
    ) -> asyncio.Future[None]:
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


@dataclass
class FakeConnection:
    """Stands in for an asyncpg connection: records every statement it was asked to run."""

    in_transaction: bool = True
    executed: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)

    def is_in_transaction(self) -> bool:
        return self.in_transaction

    async def execute(self, query: str, *args: Any) -> str:
        self.executed.append((query, args))
        return "OK"


@pytest.fixture
def make_producer() -> type[FakeProducer]:
    """`make_producer(fail_first=2, fail_in="delivery")` builds a fake Kafka producer."""
    return FakeProducer


@pytest.fixture
def make_connection() -> type[FakeConnection]:
    """`make_connection(in_transaction=False)` builds a fake asyncpg connection."""
    return FakeConnection


@pytest.fixture
def new_import() -> Callable[..., Envelope[ClientImported]]:
    """A new ClientImported event (fresh id) for studio-1, e.g. `new_import("ext-7")`."""

    def build(external_client_id: str = "ext-1") -> Envelope[ClientImported]:
        payload = ClientImported(
            studio_id="studio-1", external_client_id=external_client_id, given_name="Ada"
        )
        return new_event(payload)

    return build
