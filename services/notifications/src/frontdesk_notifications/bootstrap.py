"""The composition root: builds the pool, producer, relay, broker, SMTP pool and sender
loop from the settings, in the app's lifespan, and stops them in reverse order.

Nothing is built at import time: `create_app(settings)` only describes the app.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from frontdesk_contracts import GROUP_NOTIFICATIONS, topics_read_by
from frontdesk_kit import (
    KIT_MIGRATIONS,
    ConsumerLag,
    DeadLetters,
    HandledEvents,
    Outbox,
    OutboxRelay,
    ServiceMetrics,
    configure_logging,
    idempotent_producer,
    load_settings,
    migrate,
)
from frontdesk_kit.edge import install_edge
from frontdesk_kit.health import Check, database_check, health_router, kafka_check, migrations_check
from frontdesk_kit.ops import ops_api_router, token_guard

from .adapters.mail import SmtpConfig, SmtpPool
from .adapters.metrics import watch_emails
from .adapters.repository import MessageLog, Suppressions
from .adapters.templates import EmailRenderer, LinkPaths
from .domain.delivery import RetryPolicy
from .entrypoints.http import ops_router
from .entrypoints.ops_routes import OPS_SETTING_NAME, resend_router
from .entrypoints.problems import install_problem_handlers
from .entrypoints.subscribers import register_consumers
from .handlers import Deps, Sender
from .sending import SenderLoop
from .settings import NotificationsSettings

SERVICE = "notifications"


def _migrations_folder() -> Path:
    here = Path(__file__).resolve().parent
    packaged = here / "migrations"  # a wheel install (force-include in pyproject.toml)
    return packaged if packaged.is_dir() else here.parents[1] / "migrations"


# Ops' own tables (who resent what) are a separate component: their numbering never
# collides with the service's.
OPS_MIGRATIONS = Path(__file__).resolve().parent / "ops_migrations"
MIGRATIONS: list[tuple[str, Path]] = [
    ("kit", KIT_MIGRATIONS),
    (SERVICE, _migrations_folder()),
    (f"{SERVICE}-ops", OPS_MIGRATIONS),
]


@dataclass
class Runtime:
    """What the lifespan started; `app.state.runtime` while the app runs."""

    settings: NotificationsSettings
    pool: asyncpg.Pool
    producer: AIOKafkaProducer
    deps: Deps
    sender: SenderLoop
    relay: OutboxRelay


def build_deps(settings: NotificationsSettings, pool: asyncpg.Pool) -> Deps:
    """The handlers' dependencies for `settings` on `pool`."""
    return Deps(
        pool=pool,
        outbox=Outbox(topic_prefix=settings.topic_prefix),
        handled=HandledEvents(pool, GROUP_NOTIFICATIONS),
        messages=MessageLog(),
        suppressions=Suppressions(),
        smtp=SmtpPool(
            SmtpConfig(
                host=settings.smtp_host,
                port=settings.smtp_port,
                security=settings.smtp_security,
                username=settings.smtp_username,
                password=(
                    settings.smtp_password.get_secret_value() if settings.smtp_password else None
                ),
                timeout=settings.smtp_timeout,
            ),
            size=settings.sender_concurrency,
        ),
        renderer=EmailRenderer(
            LinkPaths(
                base_url=settings.public_base_url,
                create_login=settings.create_login_path,
                reset=settings.reset_path,
                verify_email=settings.verify_email_path,
                sign_in=settings.sign_in_path,
            ),
            settings.studio_brands,
            product_name=settings.sender_name,
        ),
        keys=settings.key_ring(),
        retry=RetryPolicy(
            max_attempts=settings.retry_max_attempts,
            first_delay=settings.retry_first_delay,
            max_delay=settings.retry_max_delay,
        ),
        sender=Sender(settings.sender_address, settings.sender_name, settings.message_id_domain),
        rate_limit=settings.rate_limit_per_recipient,
        rate_window_seconds=settings.rate_limit_window_seconds,
    )


@contextlib.asynccontextmanager
async def run_service(
    settings: NotificationsSettings, metrics: ServiceMetrics | None = None
) -> AsyncIterator[Runtime]:
    """Start everything (migrations under the kit's lock first); stop it all on exit."""
    metrics = metrics or ServiceMetrics(SERVICE)
    async with contextlib.AsyncExitStack() as stack:
        pool = await asyncpg.create_pool(settings.database_url, min_size=2, max_size=20)
        stack.push_async_callback(pool.close)
        async with pool.acquire() as conn:
            await migrate(conn, MIGRATIONS)
        producer = idempotent_producer(
            settings.kafka_bootstrap_servers,
            f"frontdesk-{SERVICE}",
            **settings.kafka_client_options(),
        )
        await producer.start()
        stack.push_async_callback(producer.stop)
        relay = OutboxRelay(pool, producer)
        stack.push_async_callback(_cancel, asyncio.create_task(relay.run()))
        deps = build_deps(settings, pool)
        stack.push_async_callback(deps.smtp.close)
        sender = SenderLoop(
            deps,
            concurrency=settings.sender_concurrency,
            batch=settings.sender_batch,
            poll_interval=settings.sender_poll_interval,
            lease_seconds=settings.sender_lease_seconds,
        )
        deps.wake_sender = sender.wake
        stack.push_async_callback(_cancel, asyncio.create_task(sender.run()))
        broker = KafkaBroker(
            settings.kafka_bootstrap_servers,
            client_id=f"frontdesk-{SERVICE}",
            security=settings.faststream_security(),
            middlewares=metrics.kafka_middlewares(tracing=settings.tracing_enabled),
        )
        _watch(metrics, settings, pool, stack)
        dead_letters = DeadLetters(
            producer, GROUP_NOTIFICATIONS, topic_prefix=settings.topic_prefix
        )
        register_consumers(broker, dead_letters, deps, topic_prefix=settings.topic_prefix)
        await broker.start()
        stack.push_async_callback(broker.stop)
        yield Runtime(settings, pool, producer, deps, sender, relay)


def _watch(
    metrics: ServiceMetrics,
    settings: NotificationsSettings,
    pool: asyncpg.Pool,
    stack: contextlib.AsyncExitStack,
) -> None:
    """Metrics read at scrape time: outbox backlog, consumer lag, emails by status."""
    metrics.watch_outbox(pool)
    watch_emails(metrics, pool)
    topics = [settings.topic_prefix + t.name for t in topics_read_by(GROUP_NOTIFICATIONS)]
    lag = ConsumerLag(
        settings.kafka_bootstrap_servers,
        settings.topic_prefix + GROUP_NOTIFICATIONS,  # the group DeadLetters namespaces
        topics,
        **settings.kafka_client_options(),
    )
    metrics.watch_lag(lag)
    stack.push_async_callback(lag.close)


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def create_app(settings: NotificationsSettings | None = None) -> FastAPI:
    """The HTTP app; its lifespan runs the whole service (consumer and sender included)."""

    metrics = ServiceMetrics(SERVICE)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        chosen = settings or load_settings(NotificationsSettings)
        configure_logging(SERVICE, chosen.log_level)
        async with run_service(chosen, metrics) as runtime:
            app.state.runtime, app.state.deps = runtime, runtime.deps
            yield

    app = FastAPI(
        title="Frontdesk notifications",
        version="0.1.0",
        summary="Ops API: outgoing messages, their delivery state, and suppressions.",
        lifespan=lifespan,
    )
    install_problem_handlers(app)
    app.include_router(health_router(_checks(app)))
    ops_token = lambda request: request.app.state.runtime.settings.ops_token  # noqa: E731
    ops_pool = lambda request: request.app.state.runtime.pool  # noqa: E731
    guard = token_guard(ops_token, OPS_SETTING_NAME)
    app.include_router(ops_router(guard))
    app.include_router(ops_api_router(ops_token, ops_pool, OPS_SETTING_NAME))
    app.include_router(resend_router(ops_token, ops_pool))
    install_edge(app, trusted_proxies=settings.trusted_proxies if settings else ())
    metrics.install(app, guard=guard)  # the platform scrapes with the ops token
    return app


def _checks(app: FastAPI) -> dict[str, Check]:
    # The pool and producer exist only once the lifespan ran; look them up per check.
    async def database() -> None:
        await database_check(app.state.runtime.pool)()

    async def migrations() -> None:
        await migrations_check(app.state.runtime.pool, MIGRATIONS)()

    async def kafka() -> None:
        await kafka_check(app.state.runtime.producer)()

    return {"database": database, "migrations": migrations, "kafka": kafka}
