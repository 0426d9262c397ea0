"""Observability of a service: Prometheus `/metrics` (HTTP latency, outbox backlog,
consumer lag, FastStream's series, a service's own counts) and optional tracing.

`ServiceMetrics` owns one registry per app (never the global one, so tests can build
many apps). Values that live elsewhere (the outbox backlog, consumer lag, a service's
own counts from its database) are read at scrape time by async *probes*: one COUNT
query per scrape is cheap, and right however many instances share the database.
FastStream's Prometheus middleware (`kafka_middleware`) adds the consumed/published
message series to the same registry.

Tracing (off by default): `kafka_middlewares(tracing=True)` adds `KafkaTracing`, which
continues the trace of each consumed record's ``traceparent`` header in a consumer span
(OpenTelemetry API; spans are exported only where the deployment installs an SDK).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from .relay import backlog
from .tracing import KafkaTracing

log = logging.getLogger("frontdesk.metrics")

Probe = Callable[[], Awaitable[None]]


class ServiceMetrics:
    """The metrics of one service instance, in its own registry."""

    def __init__(self, service: str, registry: CollectorRegistry | None = None) -> None:
        self.service = service
        self.registry = registry or CollectorRegistry()
        self.http_latency = Histogram(
            "frontdesk_http_request_duration_seconds",
            "Time to answer an HTTP request, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.outbox_backlog = Gauge(
            "frontdesk_outbox_backlog",
            "Outbox records committed but not yet published to Kafka.",
            registry=self.registry,
        )
        self.outbox_oldest_age = Gauge(
            "frontdesk_outbox_oldest_age_seconds",
            "Age of the oldest unpublished outbox record (0 when none).",
            registry=self.registry,
        )
        self.consumer_lag = Gauge(
            "frontdesk_consumer_lag",
            "Records on a partition not yet committed by the consumer group.",
            ["group", "topic", "partition"],
            registry=self.registry,
        )
        self.events_skipped = Counter(
            "frontdesk_events_skipped",
            "Consumed events of a type this service has no handler for (read past, never "
            "dead-lettered), by event type.",
            ["type"],
            registry=self.registry,
        )
        self._probes: list[Probe] = []
        self._gauges: dict[str, Gauge] = {}

    def gauge(self, name: str, documentation: str, labels: Sequence[str] = ()) -> Gauge:
        """A service-specific gauge in this registry (set it from a probe); asking again
        for the same name returns the same gauge (e.g. when a lifespan runs twice)."""
        if name not in self._gauges:
            self._gauges[name] = Gauge(name, documentation, list(labels), registry=self.registry)
        return self._gauges[name]

    def count_skipped(self, event_type: str) -> None:
        """One more consumed event of `event_type` read past without a handler."""
        self.events_skipped.labels(event_type).inc()

    def add_probe(self, probe: Probe) -> None:
        """Run `probe` before each scrape; a failing probe is logged, the scrape goes on."""
        self._probes.append(probe)

    def watch_outbox(self, pool: asyncpg.Pool) -> None:
        """Expose the outbox backlog of `pool`'s database."""

        async def probe() -> None:
            pending, oldest = await backlog(pool)
            self.outbox_backlog.set(pending)
            self.outbox_oldest_age.set(oldest)

        self.add_probe(probe)

    def watch_lag(self, lag: ConsumerLag) -> None:
        """Expose the lag of a consumer group (see `ConsumerLag`)."""

        async def probe() -> None:
            for (topic, partition), behind in (await lag.read()).items():
                self.consumer_lag.labels(lag.group_id, topic, str(partition)).set(behind)

        self.add_probe(probe)

    def kafka_middleware(self) -> KafkaPrometheusMiddleware:
        """FastStream's Prometheus middleware writing into this registry."""
        return KafkaPrometheusMiddleware(registry=self.registry, app_name=self.service)

    def kafka_middlewares(self, *, tracing: bool = False) -> list[Any]:
        """The broker's middlewares: Prometheus always, `KafkaTracing` when tracing is on."""
        chosen: list[Any] = [self.kafka_middleware()]
        if tracing:
            chosen.append(KafkaTracing)
        return chosen

    async def refresh(self) -> None:
        """Run every probe (each failure logged, not raised)."""
        for probe in self._probes:
            try:
                await probe()
            except Exception as error:  # noqa: BLE001 - a scrape must still answer
                log.warning("metrics probe failed", extra={"error": repr(error)})

    async def render(self) -> bytes:
        """The Prometheus text exposition after refreshing the probes."""
        await self.refresh()
        return generate_latest(self.registry)

    def install(self, app: FastAPI, guard: Callable[..., Any] | None = None) -> None:
        """Time every HTTP request and serve `GET /metrics` on `app`, behind `guard` (a
        dependency, e.g. the ops token's `require_ops_token`) when one is given."""
        histogram = self.http_latency

        @app.middleware("http")
        async def timed(request: Request, call_next: Callable[[Request], Awaitable[Any]]) -> Any:
            started = time.perf_counter()
            status = 500
            try:
                response = await call_next(request)
                status = response.status_code
                return response
            finally:
                # The route template, not the raw path: ids in paths would explode labels.
                route = getattr(request.scope.get("route"), "path", "unmatched")
                histogram.labels(request.method, route, str(status)).observe(
                    time.perf_counter() - started
                )

        app.include_router(self.router(guard))

    def router(self, guard: Callable[..., Any] | None = None) -> APIRouter:
        """The `GET /metrics` route alone (behind `guard`, if given)."""
        router = APIRouter(tags=["operations"], dependencies=[Depends(guard)] if guard else [])

        # Not in the OpenAPI document: it is for Prometheus, not API clients.
        @router.get("/metrics", response_class=Response, include_in_schema=False)
        async def metrics() -> Response:
            return Response(await self.render(), media_type=CONTENT_TYPE_LATEST)

        return router


class ConsumerLag:
    """Reads a consumer group's lag: end offset minus committed offset, per partition.

    Clients are started on the first read and kept; `close` stops them.
    """

    def __init__(
        self,
        bootstrap_servers: str,
        group_id: str,
        topics: Sequence[str],
        **connection: Any,
    ) -> None:
        self._bootstrap = bootstrap_servers
        self._connection = connection  # TLS/SASL: ServiceSettings.kafka_client_options()
        self.group_id = group_id
        self._topics = list(topics)
        self._admin: AIOKafkaAdminClient | None = None
        self._consumer: AIOKafkaConsumer | None = None

    async def read(self) -> dict[tuple[str, int], int]:
        """Lag by (topic, partition); a partition never committed counts from its start."""
        admin, consumer = await self._clients()
        partitions = [
            TopicPartition(topic["topic"], part["partition"])
            for topic in await admin.describe_topics(self._topics)
            for part in topic["partitions"]
        ]
        ends = await consumer.end_offsets(partitions)
        starts = await consumer.beginning_offsets(partitions)
        committed = await admin.list_consumer_group_offsets(self.group_id, partitions=partitions)
        lag = {}
        for tp in partitions:
            done = committed.get(tp)
            position = done.offset if done is not None and done.offset >= 0 else starts[tp]
            lag[(tp.topic, tp.partition)] = max(0, ends[tp] - position)
        return lag

    async def _clients(self) -> tuple[AIOKafkaAdminClient, AIOKafkaConsumer]:
        if self._admin is None or self._consumer is None:
            admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap, **self._connection)
            consumer = AIOKafkaConsumer(bootstrap_servers=self._bootstrap, **self._connection)
            await admin.start()
            await consumer.start()
            self._admin, self._consumer = admin, consumer
        return self._admin, self._consumer

    async def close(self) -> None:
        """Stop the clients, if started."""
        admin, consumer, self._admin, self._consumer = self._admin, self._consumer, None, None
        if consumer is not None:
            await consumer.stop()
        if admin is not None:
            await admin.close()
