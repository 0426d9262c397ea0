"""The kit's runtime against real PostgreSQL and Kafka: one service's whole life.

A small service (identity's consumer group, one handler) is started with
`frontdesk_kit.runtime.create_app`: it consumes from the catalogue's topics, writes its
effect and an outbox event in one transaction that the relay publishes, skips (and
counts) event types it has no handler for, answers readiness with its own check, and
stops everything it started.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer, ConsumerRecord

from frontdesk_contracts import (
    GROUP_IDENTITY,
    AccountImported,
    ClientImported,
    ClientRecordCreated,
    ClientsMerged,
    EmailFailed,
    Envelope,
    from_record,
    new_event,
    to_record,
)
from frontdesk_kit import KIT_MIGRATIONS, ServiceSettings, migrate
from frontdesk_kit.runtime import Infrastructure, ServiceSpec, Wiring, create_app

pytestmark = pytest.mark.integration
OPS_TOKEN = "ops-token-of-the-runtime-test-0123456789"


async def ignore(event: Envelope[Any]) -> None:
    """Events of the group's other topics: not this test's business."""


class Toy:
    """The toy service's dependencies: what it handled, whether its loop ran."""

    def __init__(self, infra: Infrastructure) -> None:
        self.infra = infra
        self.imported: list[str] = []
        self.loop_started = asyncio.Event()
        self.loop_cancelled = False

    async def on_import(self, event: Envelope[Any]) -> None:
        payload: ClientImported = event.payload

        async def effect(conn: asyncpg.Connection) -> None:
            account = AccountImported(
                account_id=str(uuid.uuid4()),
                studio_id=payload.studio_id,
                external_client_id=payload.external_client_id,
                given_name=payload.given_name,
            )
            await self.infra.outbox.add_event(conn, new_event(account, cause=event))

        if await self.infra.handled.once(event.id, effect):
            self.imported.append(payload.external_client_id)

    async def loop(self) -> None:
        self.loop_started.set()
        try:
            await asyncio.Event().wait()
        finally:
            self.loop_cancelled = True


async def handled_long_ago(database: str, consumer: str, event_id: uuid.UUID, days: int) -> None:
    """A ledger row written `days` ago (the kit's tables are migrated first)."""
    conn = await asyncpg.connect(database)
    try:
        await migrate(conn, [("kit", KIT_MIGRATIONS)])
        await conn.execute(
            "INSERT INTO handled_events (consumer, event_id, handled_at)"
            " VALUES ($1, $2, now() - make_interval(days => $3))",
            consumer,
            event_id,
            days,
        )
    finally:
        await conn.close()


async def caught_up(client: httpx.AsyncClient, timeout: float = 20.0) -> httpx.Response:
    """/metrics once the group has committed every record of its topics (lag 0)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        metrics = await client.get("/metrics", headers={"Authorization": f"Bearer {OPS_TOKEN}"})
        lags = [
            line for line in metrics.text.splitlines() if line.startswith("frontdesk_consumer_lag{")
        ]
        behind = [line for line in lags if not line.endswith(" 0.0")]
        if lags and not behind:
            return metrics
        assert asyncio.get_running_loop().time() < deadline, f"still behind: {behind}"
        await asyncio.sleep(0.2)


async def test_a_service_runs_consumes_publishes_and_stops(
    database: str,
    kafka_bootstrap: str,
    topic_namespace: str,
    producer: AIOKafkaProducer,
    read_topic: Callable[..., Awaitable[list[ConsumerRecord]]],
) -> None:
    toys: list[Toy] = []

    async def wire(infra: Infrastructure) -> Wiring:
        toy = Toy(infra)
        toys.append(toy)

        async def toy_check() -> None:
            assert toy.loop_started.is_set(), "the loop has not started"

        return Wiring(
            deps=toy,
            # One handled type on each topic the catalogue says the group reads.
            handlers={ClientImported: toy.on_import, ClientsMerged: ignore, EmailFailed: ignore},
            tasks=[toy.loop],
            checks={"toy": toy_check},
        )

    spec = ServiceSpec(name="toy", group=GROUP_IDENTITY, title="Toy", version="1", wire=wire)
    settings = ServiceSettings(
        database_url=database,
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_prefix=topic_namespace,
        ops_token=OPS_TOKEN,
    )
    app = create_app(spec, settings)
    forgotten, remembered = uuid.uuid4(), uuid.uuid4()
    await handled_long_ago(database, topic_namespace + GROUP_IDENTITY, forgotten, days=46)
    await handled_long_ago(database, topic_namespace + GROUP_IDENTITY, remembered, days=44)
    imported = new_event(
        ClientImported(studio_id="studio-1", external_client_id="ext-1", given_name="Ada")
    )
    not_ours = new_event(
        ClientRecordCreated(
            client_record_id="rec-1",
            account_id="acc-1",
            studio_id="studio-1",
            origin="import",
            given_name="Ada",
        )
    )

    async with app.router.lifespan_context(app):
        assert app.state.deps is toys[0]
        for event in (not_ours, imported, imported):  # the import twice: handled once
            record = to_record(event)
            topic = topic_namespace + record.topic
            await producer.send_and_wait(
                topic, record.value, key=record.key, headers=record.headers
            )

        published = await read_topic(topic_namespace + "frontdesk.identity.v1", expected=1)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://toy") as client:
            metrics = await caught_up(client)
            ready = await client.get("/readyz")
            ledger = await app.state.running.pool.fetch(
                "SELECT event_id FROM handled_events WHERE event_id = ANY($1)",
                [forgotten, remembered],
            )
            refused = await client.get("/metrics")

    toy = toys[0]
    assert toy.imported == ["ext-1"]
    assert [from_record(r.value, r.headers).type for r in published] == ["AccountImported"]
    assert ready.status_code == 200
    assert ready.json()["checks"] == {
        "database": "ok",
        "migrations": "ok",
        "kafka": "ok",
        "toy": "ok",
    }
    assert 'frontdesk_events_skipped_total{type="ClientRecordCreated"} 1.0' in metrics.text
    assert f'group="{topic_namespace}{GROUP_IDENTITY}"' in metrics.text  # lag of its topics
    assert refused.status_code == 401
    assert toy.loop_cancelled
    assert [row["event_id"] for row in ledger] == [remembered]  # pruned past 45 days
