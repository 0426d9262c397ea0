"""ServiceMetrics: /metrics serves the named series, probes run at scrape time,
HTTP latency is labelled by route template, and a failing probe does not break a scrape."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from faststream.kafka import KafkaBroker, TestKafkaBroker

from frontdesk_kit.metrics import ServiceMetrics
from frontdesk_kit.tracing import current_traceparent


def _app(metrics: ServiceMetrics) -> FastAPI:
    app = FastAPI()

    @app.get("/things/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    metrics.install(app)
    return app


async def _scrape(app: FastAPI, *paths: str) -> str:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for path in paths:
            await client.get(path)
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


@pytest.mark.asyncio
async def test_http_latency_is_labelled_by_route_template_not_raw_path() -> None:
    text = await _scrape(_app(ServiceMetrics("svc")), "/things/a1", "/things/b2")
    assert (
        'frontdesk_http_request_duration_seconds_count{method="GET",'
        'route="/things/{thing_id}",status="200"} 2.0' in text
    )
    assert "a1" not in text


@pytest.mark.asyncio
async def test_probes_set_gauges_at_scrape_time() -> None:
    metrics = ServiceMetrics("svc")
    emails = metrics.gauge("frontdesk_emails", "emails by status", ["status"])

    async def probe() -> None:
        emails.labels("sent").set(3)

    metrics.add_probe(probe)
    text = await _scrape(_app(metrics))
    assert 'frontdesk_emails{status="sent"} 3.0' in text
    for series in ("frontdesk_outbox_backlog", "frontdesk_outbox_oldest_age_seconds"):
        assert f"# TYPE {series} gauge" in text
    assert "# TYPE frontdesk_consumer_lag gauge" in text


@pytest.mark.asyncio
async def test_a_failing_probe_does_not_break_the_scrape() -> None:
    metrics = ServiceMetrics("svc")

    async def broken() -> None:
        raise RuntimeError("database away")

    metrics.add_probe(broken)
    text = await _scrape(_app(metrics))
    assert "frontdesk_outbox_backlog" in text


def test_asking_twice_for_a_gauge_returns_the_same_one() -> None:
    metrics = ServiceMetrics("svc")
    assert metrics.gauge("frontdesk_x", "x") is metrics.gauge("frontdesk_x", "x")


def test_two_apps_have_separate_registries() -> None:
    ServiceMetrics("one")
    ServiceMetrics("two")  # would raise "Duplicated timeseries" on a shared registry


@pytest.mark.asyncio
async def test_a_consumed_record_shows_in_the_apps_metrics() -> None:
    metrics = ServiceMetrics("svc")
    broker = KafkaBroker(middlewares=metrics.kafka_middlewares())

    @broker.subscriber("orders")
    async def handle(body: bytes) -> None:
        pass

    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(b"x", "orders")
    text = await _scrape(_app(metrics), "/things/a1")

    # FastStream's series and the HTTP histogram come out of the one /metrics registry.
    assert (
        'faststream_received_processed_messages_total{app_name="svc",broker="kafka",'
        'handler="orders",status="acked"} 1.0' in text
    )
    assert 'route="/things/{thing_id}",status="200"} 1.0' in text


class _RecordingTracer:
    """Stands in for an OpenTelemetry tracer: remembers each span's name and parent."""

    def __init__(self) -> None:
        self.spans: list[tuple[str, int]] = []

    @contextlib.contextmanager
    def start_as_current_span(self, name: str, context: Any = None, **_: Any) -> Iterator[None]:
        from opentelemetry import trace

        parent = trace.get_current_span(context).get_span_context()
        self.spans.append((name, parent.trace_id))
        yield


@pytest.mark.asyncio
async def test_tracing_continues_the_trace_of_the_records_traceparent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from opentelemetry import trace

    tracer = _RecordingTracer()
    monkeypatch.setattr(trace, "get_tracer", lambda *_, **__: tracer)
    broker = KafkaBroker(middlewares=ServiceMetrics("svc").kafka_middlewares(tracing=True))
    handled: list[bytes] = []

    @broker.subscriber("orders")
    async def handle(body: bytes) -> None:
        handled.append(body)

    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(
            b"x", "orders", headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"}
        )
    assert handled == [b"x"]
    assert tracer.spans == [("orders process", int(trace_id, 16))]


def test_tracing_is_off_by_default() -> None:
    assert len(ServiceMetrics("svc").kafka_middlewares()) == 1


def test_current_traceparent_is_none_without_a_span() -> None:
    assert current_traceparent() is None
