"""One way to run a Frontdesk service.

A service declares its parts in a `ServiceSpec` (migrations, routers, how to wire its
own dependencies, which domain errors are refusals) and gets its FastAPI app from
`create_app`. The runtime owns everything that is the same in every service, in one
order, started in the app's lifespan and stopped in reverse:

1. the PostgreSQL pool, then the migrations (the kit's, then the service's) under the
   kit's lock;
2. the idempotent Kafka producer, and the outbox relay publishing through it;
3. the service's own wiring (`spec.wire(infrastructure)`): its dependency holder, its
   consumer handlers by event type, its background tasks and readiness checks;
4. the FastStream broker with the settings' security and the metrics (and tracing)
   middlewares, the group's dead letters, and ONE subscriber on exactly the topics the
   catalogue lists for the service's consumer group, dispatching by event type (see
   `subscribe`);
5. the consumer-lag reader over those topics, then the broker starts, then the
   service's background tasks and the hourly pruning of the group's handled-event
   ledger (`handled_events_retention_days`).

The app itself (built before anything connects) admits at most `http_max_in_flight`
requests at once (`admission`), answers problems the kit's way,
guards its edge, logs each request's path (never its query: link tokens ride there),
serves /healthz and /readyz, the ops API and /metrics behind the ops token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, FastAPI, Request, Response
from faststream.kafka import KafkaBroker
from pydantic import BaseModel

from frontdesk_contracts import Envelope, topics_read_by

from . import ops
from .admission import InFlightLimit
from .consumer import Batch, EventConsumer
from .deadletters import DeadLetters
from .edge import ExtraStatuses, HtmlRefusal, install_edge
from .gateway import GatewaySettings, GatewayVerifier
from .health import Check, database_check, health_router, kafka_check, migrations_check
from .inbox import HandledEvents
from .kafka import idempotent_producer
from .logs import log_context
from .metrics import ConsumerLag, ServiceMetrics
from .migrations import KIT_MIGRATIONS, migrate
from .ops import require_ops_token
from .outbox import Outbox
from .problems import Describe, install_problem_handlers
from .relay import OutboxRelay
from .retries import RetryPolicy
from .settings import ServiceSettings

log = logging.getLogger("frontdesk.runtime")
Handler = Callable[[Envelope[Any]], Awaitable[None]] | Batch
"""Acts on one consumed event (its effect and handled-event row in one transaction), or,
wrapped in `Batch`, on consecutive events of one partition at once (one transaction)."""
Task = Callable[[], Coroutine[Any, Any, None]]
"""A background loop of the service, run until the service stops."""


@dataclass
class Infrastructure:
    """What the runtime started, handed to the service's `wire`."""

    settings: ServiceSettings
    pool: asyncpg.Pool
    producer: AIOKafkaProducer
    outbox: Outbox
    """The outbox writer, with the settings' topic prefix."""
    handled: HandledEvents
    """The handled-event ledger of the service's consumer group."""
    metrics: ServiceMetrics
    stack: contextlib.AsyncExitStack
    """Push the service's own closers here (an SMTP pool, an HTTP client)."""


@dataclass
class Wiring:
    """What a service adds to the runtime: the result of its `wire`."""

    deps: Any
    """The service's dependency holder; routes read it as ``request.app.state.deps``."""
    handlers: Mapping[type[BaseModel], Handler] = field(default_factory=dict)
    """Payload class → the handler of events of that type; other types are skipped."""
    tasks: Sequence[Task] = ()
    checks: Mapping[str, Check] = field(default_factory=dict)
    """Readiness checks beside the database, migrations and Kafka."""


@dataclass(frozen=True)
class ServiceSpec:
    """A service's parts; everything else is the runtime's."""

    name: str
    """``identity``, ``notifications``, ``client-registry``: metrics, logs, client ids."""
    group: str
    """The catalogue's consumer group of the service."""
    title: str
    version: str
    wire: Callable[[Infrastructure], Awaitable[Wiring]]
    migrations: Sequence[tuple[str, Path]] = ()
    """The service's own migration components; the kit's run first."""
    description: str = ""
    routers: Sequence[APIRouter] = ()
    refusals: Mapping[type[Exception], Describe] = field(default_factory=dict)
    """The service's domain errors → their problem responses."""
    pool_size: int = 10
    edge_extra: ExtraStatuses | None = None
    html_refusal: HtmlRefusal | None = None

    def components(self) -> list[tuple[str, Path]]:
        """Every migration component, the kit's first."""
        return [("kit", KIT_MIGRATIONS), *self.migrations]


@dataclass
class Running:
    """What the lifespan started; ``app.state.running`` while the app runs."""

    settings: ServiceSettings
    pool: asyncpg.Pool
    producer: AIOKafkaProducer
    relay: OutboxRelay
    broker: KafkaBroker
    deps: Any
    gateway: GatewayVerifier | None
    metrics: ServiceMetrics
    checks: Mapping[str, Check] = field(default_factory=dict)
    """The service's own readiness checks (`Wiring.checks`)."""


def migrations_folder(package_file: str, name: str = "migrations") -> Path:
    """A service's migrations folder: inside its package when installed as a wheel
    (force-included there), else at the root of its source tree (``src/`` layout)."""
    package = Path(package_file).resolve().parent
    packaged = package / name
    return packaged if packaged.is_dir() else package.parents[1] / name


def consumed_topics(group: str, topic_prefix: str = "") -> list[str]:
    """The (prefixed) topics the catalogue says `group` reads."""
    return [topic_prefix + topic.name for topic in topics_read_by(group)]


def subscribe(
    consumer: EventConsumer,
    group: str,
    handlers: Mapping[type[BaseModel], Handler],
    *,
    topic_prefix: str = "",
    on_skipped: Callable[[str], None] = lambda _: None,
    max_records: int = 500,
) -> list[str]:
    """Subscribe one handler table to the catalogue's topics for `group`; the topics.

        One subscriber for all of them, so an instance joins its group once; it fetches at
    most `max_records` records at a time (see `EventConsumer.route` for batches). An event type
        without a handler is skipped and reported to `on_skipped` (a metric), never
        dead-lettered: a producer may add event types its consumers do not care about.
        The catalogue and the table must agree: a handler for a type no topic of the group
        carries, or a topic the catalogue lists for the group with no type handled, is
        refused at start (the catalogue, AsyncAPI and lag metrics would be telling a lie).
    """
    by_type = {_event_type(payload): handler for payload, handler in handlers.items()}
    read = topics_read_by(group)
    stray = sorted(set(by_type) - {t for topic in read for t in topic.event_types})
    if stray:
        raise ValueError(f"{group} handles {stray}, which no topic it reads carries")
    idle = [topic.name for topic in read if not set(topic.event_types) & set(by_type)]
    if idle:
        raise ValueError(f"the catalogue says {group} reads {idle}, but it handles none of it")

    def route(event: Envelope[Any]) -> Handler | None:
        handler = by_type.get(event.type)
        if handler is None:
            on_skipped(event.type)
        return handler

    topics = consumed_topics(group, topic_prefix)
    consumer.route(topics, route, max_records=max_records)
    return topics


def _event_type(payload: type[BaseModel]) -> str:
    event_type = getattr(payload, "event_type", None)
    if not isinstance(event_type, str):
        raise TypeError(f"{payload.__name__} is not an event payload of the contracts")
    return event_type


def create_app(
    spec: ServiceSpec, settings: ServiceSettings, *, retry: RetryPolicy | None = None
) -> FastAPI:
    """The service's HTTP app; nothing connects until its lifespan runs (`run`).

    `retry` overrides the consumer's retry policy (tests make it short)."""
    metrics = ServiceMetrics(spec.name)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with run(spec, settings, metrics, retry=retry) as running:
            app.state.running, app.state.deps = running, running.deps
            yield

    app = FastAPI(
        title=spec.title, version=spec.version, description=spec.description, lifespan=lifespan
    )
    install_problem_handlers(app, spec.refusals)
    for router in spec.routers:
        app.include_router(router)
    app.include_router(health_router(_checks(app, spec)))
    app.include_router(ops.router)
    app.middleware("http")(_log_request(spec.name))
    install_edge(
        app,
        trusted_proxies=settings.trusted_proxies,
        extra=spec.edge_extra,
        html_refusal=spec.html_refusal,
    )
    # /metrics may share a public listener (identity's link pages): only the platform's
    # scraper, with the ops token, reads it.
    metrics.install(app, guard=require_ops_token)
    # Added last, so it runs first: a refused request costs none of the layers above.
    app.add_middleware(InFlightLimit, limit=settings.http_max_in_flight, registry=metrics.registry)
    return app


@contextlib.asynccontextmanager
async def run(
    spec: ServiceSpec,
    settings: ServiceSettings,
    metrics: ServiceMetrics,
    *,
    retry: RetryPolicy | None = None,
) -> AsyncIterator[Running]:
    """Start the service's parts in the runtime's order; stop them in reverse on exit."""
    async with contextlib.AsyncExitStack() as stack:
        pool = await asyncpg.create_pool(settings.database_url, min_size=2, max_size=spec.pool_size)
        stack.push_async_callback(pool.close)
        async with pool.acquire() as conn:
            await migrate(conn, spec.components())
        connection = settings.kafka_client_options()
        client_id = f"frontdesk-{spec.name}"
        producer = idempotent_producer(settings.kafka_bootstrap_servers, client_id, **connection)
        await producer.start()
        stack.push_async_callback(producer.stop)
        relay = OutboxRelay(pool, producer, poll_interval=settings.relay_poll_seconds)
        _background(stack, relay.run)
        metrics.watch_outbox(pool)
        outbox = Outbox(topic_prefix=settings.topic_prefix)
        handled = HandledEvents(pool, settings.topic_prefix + spec.group)
        infrastructure = Infrastructure(settings, pool, producer, outbox, handled, metrics, stack)
        wiring = await spec.wire(infrastructure)
        broker = KafkaBroker(
            settings.kafka_bootstrap_servers,
            client_id=client_id,
            security=settings.faststream_security(),
            logger=logging.getLogger(f"frontdesk.{spec.name}.kafka"),
            middlewares=metrics.kafka_middlewares(tracing=settings.tracing_enabled),
        )
        dead_letters = DeadLetters(producer, spec.group, topic_prefix=settings.topic_prefix)
        consumer = EventConsumer(
            broker, dead_letters, retry=retry, already_handled=handled.seen_among
        )
        topics = subscribe(
            consumer,
            spec.group,
            wiring.handlers,
            topic_prefix=settings.topic_prefix,
            on_skipped=metrics.count_skipped,
            max_records=settings.consumer_batch_records,
        )
        lag = ConsumerLag(settings.kafka_bootstrap_servers, consumer.group_id, topics, **connection)
        stack.push_async_callback(lag.close)
        metrics.watch_lag(lag)
        await broker.start()
        stack.push_async_callback(broker.stop)
        retention = timedelta(days=settings.handled_events_retention_days)
        prune = periodic(partial(_prune_handled_events, handled, retention), 3600.0, "pruning")
        for task in (*wiring.tasks, prune):
            _background(stack, task)
        gateway = (
            GatewayVerifier.from_settings(settings)
            if isinstance(settings, GatewaySettings)
            else None
        )
        yield Running(
            settings, pool, producer, relay, broker, wiring.deps, gateway, metrics, wiring.checks
        )


def periodic(step: Callable[[], Awaitable[object]], every: float, name: str) -> Task:
    """A background task running `step` every `every` seconds until the service stops;
    a round that fails (the database away) is logged, and the next round tries again."""

    async def rounds() -> None:
        while True:
            try:
                await step()
            except Exception as error:  # noqa: BLE001 - a failed round must not end the task
                log.warning(f"{name} failed", extra={"error": type(error).__name__})
            await asyncio.sleep(every)

    rounds.__qualname__ = name
    return rounds


async def _prune_handled_events(handled: HandledEvents, retention: timedelta) -> None:
    """Forget handled events older than the retention (see the settings)."""
    pruned = await handled.prune(datetime.now(UTC) - retention)
    if pruned:
        log.info("handled events pruned", extra={"events": pruned})


def _background(stack: contextlib.AsyncExitStack, work: Task) -> None:
    task: asyncio.Task[None] = asyncio.create_task(
        work(), name=getattr(work, "__qualname__", "background")
    )
    task.add_done_callback(_log_if_failed)

    async def stop() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    stack.push_async_callback(stop)


def _log_if_failed(task: asyncio.Task[None]) -> None:
    """A background task must run until the service stops: say so loudly if one ends."""
    if not task.cancelled() and task.exception() is not None:
        log.error(
            "background task ended",
            extra={"task": task.get_name(), "error": repr(task.exception())},
        )


def _checks(app: FastAPI, spec: ServiceSpec) -> Callable[[], dict[str, Check]]:
    """Readiness: the database, the migrations, Kafka and the service's own checks, each
    looked up per request (they exist only once the lifespan ran)."""

    def running() -> Running:
        started: Running | None = getattr(app.state, "running", None)
        if started is None:
            raise RuntimeError("not started")
        return started

    async def database() -> None:
        await database_check(running().pool)()

    async def migrations() -> None:
        await migrations_check(running().pool, spec.components())()

    async def kafka() -> None:
        await kafka_check(running().producer)()

    def current() -> dict[str, Check]:
        started: Running | None = getattr(app.state, "running", None)
        own = dict(started.checks) if started else {}
        return {"database": database, "migrations": migrations, "kafka": kafka, **own}

    return current


def _log_request(
    service: str,
) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    log = logging.getLogger(f"frontdesk.{service}.http")

    async def log_request(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        # The path only: link pages carry their token in the query string, which never
        # reaches a log line (uvicorn's own access log is off for the same reason).
        started = time.monotonic()
        with log_context(request_id=request.headers.get("x-request-id", "")):
            response = await call_next(request)
            log.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.url.path,
                    "status": response.status_code,
                    "ms": round((time.monotonic() - started) * 1000),
                },
            )
        return response

    return log_request
