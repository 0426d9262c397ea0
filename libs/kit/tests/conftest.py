"""Fakes for the kit's unit tests: a Kafka producer (the harness's), a database
connection, an event source.

Test modules cannot import this file (pytest's importlib mode), so every fake is
handed out by a fixture.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from frontdesk_contracts import ClientImported, Envelope, new_event
from frontdesk_testing import FakeProducer


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
