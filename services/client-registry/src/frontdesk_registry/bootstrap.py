"""The composition root: settings in, a FastAPI app out, whose lifespan builds and stops
everything (pool, migrations, producer, outbox relay, Kafka consumers, expiry sweeper)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from pathlib import Path

import asyncpg
import httpx
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from frontdesk_contracts import GROUP_CLIENT_REGISTRY, topic_for_source
from frontdesk_kit import (
    KIT_MIGRATIONS,
    ConsumerLag,
    DeadLetters,
    EventConsumer,
    HandledEvents,
    Outbox,
    OutboxRelay,
    ServiceMetrics,
    idempotent_producer,
    migrate,
)
from frontdesk_kit.edge import install_edge
from frontdesk_kit.health import database_check, health_router, kafka_check, migrations_check
from frontdesk_kit.ops import ops_api_router, token_guard
from frontdesk_registry import handlers
from frontdesk_registry.adapters.auth import (
    AccessTokenVerifier,
    GatewayVerifier,
    JwksKeys,
    KeySource,
    StaticKey,
    load_public_key,
)
from frontdesk_registry.adapters.unit_of_work import PgUnitsOfWork
from frontdesk_registry.entrypoints import admin_routes, app_routes
from frontdesk_registry.entrypoints.problems import PROBLEM_TYPE, install_problem_handlers
from frontdesk_registry.entrypoints.subscribers import subscribe_identity_events
from frontdesk_registry.ports import UnitsOfWork
from frontdesk_registry.settings import RegistrySettings

log = logging.getLogger("frontdesk.registry")

_HERE = Path(__file__).parent
REGISTRY_MIGRATIONS = (
    _HERE / "migrations" if (_HERE / "migrations").is_dir() else _HERE.parents[1] / "migrations"
)
MIGRATIONS = [("kit", KIT_MIGRATIONS), ("client-registry", REGISTRY_MIGRATIONS)]


def bootstrap(
    settings: RegistrySettings,
    units: UnitsOfWork,
    clock: Callable[[], datetime] = handlers.utc_now,
) -> handlers.Registry:
    """The use cases' dependencies: PostgreSQL units of work here, fakes in unit tests."""
    return handlers.Registry(
        units=units, proposal_lifetime=settings.merge_proposal_lifetime, clock=clock
    )


def create_app(settings: RegistrySettings) -> FastAPI:
    """The HTTP app; nothing is connected until its lifespan runs."""

    metrics = ServiceMetrics("client-registry")

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            await _start(app, settings, stack, metrics)
            yield

    app = FastAPI(title="Frontdesk client-registry", version="1.0.0", lifespan=lifespan)
    install_problem_handlers(app)
    app.include_router(app_routes.router)
    app.include_router(admin_routes.router)
    app.include_router(health_router(_lazy_checks(app)))
    ops_token, setting = (lambda _: settings.ops_token), "FRONTDESK_REGISTRY_OPS_TOKEN"
    app.include_router(ops_api_router(ops_token, lambda r: r.app.state.pool, setting))
    install_edge(app, trusted_proxies=settings.trusted_proxies, type_base=PROBLEM_TYPE)
    metrics.install(app, guard=token_guard(ops_token, setting))  # the platform scrapes
    return app


async def _start(
    app: FastAPI,
    settings: RegistrySettings,
    stack: contextlib.AsyncExitStack,
    metrics: ServiceMetrics,
) -> None:
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=10)
    stack.push_async_callback(pool.close)
    async with pool.acquire() as conn:
        await migrate(conn, MIGRATIONS)
    connection = settings.kafka_client_options()
    producer = idempotent_producer(
        settings.kafka_bootstrap_servers, "frontdesk-client-registry", **connection
    )
    await producer.start()
    stack.push_async_callback(producer.stop)
    http = await stack.enter_async_context(httpx.AsyncClient())
    outbox = Outbox(topic_prefix=settings.topic_prefix)
    reg = bootstrap(
        settings, PgUnitsOfWork(pool, outbox, HandledEvents(pool, GROUP_CLIENT_REGISTRY))
    )
    relay = OutboxRelay(pool, producer, poll_interval=settings.relay_poll_seconds)
    _background(stack, relay.run())
    broker = KafkaBroker(
        settings.kafka_bootstrap_servers,
        security=settings.faststream_security(),
        middlewares=metrics.kafka_middlewares(tracing=settings.tracing_enabled),
    )
    metrics.watch_outbox(pool)
    dead_letters = DeadLetters(producer, GROUP_CLIENT_REGISTRY, topic_prefix=settings.topic_prefix)
    identity_topic = settings.topic_prefix + topic_for_source("identity").name
    lag = ConsumerLag(
        settings.kafka_bootstrap_servers, dead_letters.group_id, [identity_topic], **connection
    )
    metrics.watch_lag(lag)
    stack.push_async_callback(lag.close)
    subscribe_identity_events(EventConsumer(broker, dead_letters), identity_topic, reg)
    await broker.start()
    stack.push_async_callback(broker.stop)
    _background(stack, _sweep_expired(reg, settings.expiry_sweep_seconds))
    app.state.pool, app.state.producer, app.state.registry = pool, producer, reg
    app.state.access_tokens = AccessTokenVerifier(
        _identity_keys(settings, http), settings.identity_issuer, settings.identity_audience
    )
    app.state.gateway = GatewayVerifier(
        load_public_key(settings.gateway_public_key_file), settings.gateway_audience
    )


def _identity_keys(settings: RegistrySettings, http: httpx.AsyncClient) -> KeySource:
    key_file = settings.identity_key_file
    if key_file is not None:
        return StaticKey(load_public_key(key_file))
    assert settings.identity_jwks_url is not None  # settings refuse neither being set
    return JwksKeys(settings.identity_jwks_url, http, settings.jwks_cache_seconds)


def _background(stack: contextlib.AsyncExitStack, work: Awaitable[None]) -> None:
    task = asyncio.ensure_future(work)

    async def stop() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    stack.push_async_callback(stop)


async def _sweep_expired(reg: handlers.Registry, every: float) -> None:
    while True:
        try:
            while await handlers.expire_due_proposals(reg) > 0:
                pass
        except Exception as error:  # noqa: BLE001 - database away: try again next round
            log.warning("expiry sweep failed", extra={"error": repr(error)})
        await asyncio.sleep(every)


def _lazy_checks(app: FastAPI) -> dict[str, Callable[[], Awaitable[None]]]:
    # The checks need the pool and producer, which exist only once the lifespan ran.
    async def database() -> None:
        await database_check(app.state.pool)()

    async def migrations() -> None:
        await migrations_check(app.state.pool, MIGRATIONS)()

    async def kafka() -> None:
        await kafka_check(app.state.producer)()

    return {"database": database, "migrations": migrations, "kafka": kafka}
