"""The one composition root: builds the pool, producer, relay, broker, keys and handlers'
dependencies inside the app's lifespan, and stops them in reverse order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from frontdesk_contracts import GROUP_IDENTITY, topics_read_by
from frontdesk_kit import (
    KIT_MIGRATIONS,
    ConsumerLag,
    DeadLetters,
    EventConsumer,
    HandledEvents,
    Outbox,
    OutboxRelay,
    RetryPolicy,
    ServiceMetrics,
    idempotent_producer,
    migrate,
)
from frontdesk_kit.health import Check, database_check, health_router, kafka_check, migrations_check
from frontdesk_kit.ops import ops_api_router, token_guard

from .adapters.crypto import (
    AccessTokens,
    GatewayVerifier,
    PasswordHasher,
    Sealer,
    load_private_key,
    load_public_key,
)
from .adapters.metrics import watch_tokens
from .adapters.unit_of_work import Database
from .deps import Deps
from .domain.passwords import PasswordPolicy
from .domain.tokens import Digester
from .entrypoints.consumers import subscribe_all
from .entrypoints.http import Lifespan, create_app
from .settings import IdentitySettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
COMPONENTS = [("kit", KIT_MIGRATIONS), ("identity", MIGRATIONS)]


@dataclass
class Running:
    """What the lifespan started, for readiness checks and for tests."""

    pool: asyncpg.Pool | None = None
    producer: AIOKafkaProducer | None = None
    relay: OutboxRelay | None = None
    broker: KafkaBroker | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


def build_deps(settings: IdentitySettings, db: Database) -> Deps:
    """The handlers' dependencies over `db` (real, or a fake in unit tests), with keys
    read from the settings' files."""
    key_id, public_key = settings.current_sealing_key()
    return Deps(
        settings=settings,
        db=db,
        hasher=PasswordHasher(
            settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism
        ),
        policy=PasswordPolicy.with_common_list(
            settings.password_min_length, settings.password_max_length
        ),
        digester=Digester(settings.digest_key()),
        sealer=Sealer(key_id, public_key),
        access=AccessTokens(
            load_private_key(settings.signing_key_file),
            settings.signing_key_id,
            settings.access_token_seconds,
        ),
    )


def gateway_verifier(settings: IdentitySettings) -> GatewayVerifier:
    """Checks admin assertions with the gateway's configured public key."""
    key = load_public_key(settings.gateway_public_key_file)
    return GatewayVerifier(key, settings.gateway_audience, settings.gateway_issuer)


def create_service(settings: IdentitySettings, retry: RetryPolicy | None = None) -> FastAPI:
    """The identity app; everything it uses is built when its lifespan starts."""
    running = Running()
    metrics = ServiceMetrics("identity")

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.running = running
        app.state.gateway = gateway_verifier(settings)
        pool = running.pool = await asyncpg.create_pool(settings.database_url, max_size=10)
        try:
            async with pool.acquire() as conn:
                await migrate(conn, COMPONENTS)
            db = Database(pool, Outbox(topic_prefix=settings.topic_prefix))
            app.state.deps = deps = build_deps(settings, db)
            metrics.watch_outbox(pool)
            watch_tokens(metrics, pool)
            async with _kafka(settings, running, deps, retry, metrics):
                yield
        finally:
            await pool.close()

    app = _app(running, lifespan, settings)
    ops_token, setting = (lambda _: settings.ops_token), "FRONTDESK_IDENTITY_OPS_TOKEN"
    app.include_router(ops_api_router(ops_token, lambda _: _pool(running), setting))
    # /metrics shares the public listener with the link pages: only the platform's
    # scraper, with the ops token, may read it.
    metrics.install(app, guard=token_guard(ops_token, setting))
    return app


def _pool(running: Running) -> asyncpg.Pool:
    assert running.pool is not None, "not started"
    return running.pool


def _app(
    running: Running, lifespan: Lifespan | None, settings: IdentitySettings | None = None
) -> FastAPI:
    app = create_app(lifespan, settings.trusted_proxies if settings else ())
    app.include_router(health_router(_checks(running)))
    return app


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of the app (built without starting anything)."""
    return _app(Running(), None).openapi()


@contextlib.asynccontextmanager
async def _kafka(
    settings: IdentitySettings,
    running: Running,
    deps: Deps,
    retry: RetryPolicy | None,
    metrics: ServiceMetrics,
) -> AsyncIterator[None]:
    assert running.pool is not None
    connection = settings.kafka_client_options()
    producer = running.producer = idempotent_producer(
        settings.kafka_bootstrap_servers, client_id="frontdesk-identity", **connection
    )
    await producer.start()
    relay = running.relay = OutboxRelay(running.pool, producer)
    relay_task = asyncio.create_task(relay.run(), name="outbox-relay")
    # FastStream's own logger would print plain text; ours goes through the JSON handler.
    broker = running.broker = KafkaBroker(
        settings.kafka_bootstrap_servers,
        security=settings.faststream_security(),
        logger=logging.getLogger("frontdesk.identity.kafka"),
        middlewares=metrics.kafka_middlewares(tracing=settings.tracing_enabled),
    )
    dead_letters = DeadLetters(producer, GROUP_IDENTITY, topic_prefix=settings.topic_prefix)
    topics = [settings.topic_prefix + t.name for t in topics_read_by(GROUP_IDENTITY)]
    lag = ConsumerLag(settings.kafka_bootstrap_servers, dead_letters.group_id, topics, **connection)
    metrics.watch_lag(lag)
    consumer = EventConsumer(broker, dead_letters, retry=retry)
    subscribe_all(consumer, HandledEvents(running.pool, GROUP_IDENTITY), deps)
    try:
        await broker.start()
        yield
    finally:
        await lag.close()
        await broker.stop()
        relay_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relay_task
        await producer.stop()


def _checks(running: Running) -> dict[str, Check]:
    """Readiness checks that look at what the lifespan started (nothing before it)."""

    async def database() -> None:
        assert running.pool is not None, "not started"
        await database_check(running.pool)()

    async def migrations() -> None:
        assert running.pool is not None, "not started"
        await migrations_check(running.pool, COMPONENTS)()

    async def kafka() -> None:
        assert running.producer is not None, "not started"
        await kafka_check(running.producer)()

    return {"database": database, "migrations": migrations, "kafka": kafka}
