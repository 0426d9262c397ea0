"""The in-flight bound: beyond the limit a request is refused at once with 503, health
and metrics are still served, and the refusal is counted."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from frontdesk_kit.admission import InFlightLimit
from frontdesk_testing import eventually


@pytest.fixture
def gate() -> asyncio.Event:
    return asyncio.Event()


def limited_app(gate: asyncio.Event, limit: int) -> tuple[FastAPI, CollectorRegistry]:
    app, registry = FastAPI(), CollectorRegistry()

    @app.get("/slow")
    async def slow() -> dict[str, str]:
        await gate.wait()
        return {"done": "yes"}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(InFlightLimit, limit=limit, registry=registry)
    return app, registry


async def test_requests_beyond_the_limit_are_refused_and_the_admitted_ones_finish(gate):
    app, registry = limited_app(gate, limit=2)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        admitted = [asyncio.create_task(client.get("/slow")) for _ in range(2)]

        async def both_in_flight() -> None:
            assert registry.get_sample_value("frontdesk_http_in_flight") == 2

        await eventually(both_in_flight, timeout=5, interval=0.001)
        refused = await client.get("/slow")
        health = await client.get("/healthz")
        gate.set()
        answers = await asyncio.gather(*admitted)
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["type"] == "https://frontdesk.dev/problems/overloaded"
    assert health.status_code == 200
    assert [a.status_code for a in answers] == [200, 200]
    assert registry.get_sample_value("frontdesk_http_refused_total") == 1
    assert registry.get_sample_value("frontdesk_http_in_flight") == 0


async def test_once_the_load_passes_requests_are_admitted_again(gate):
    app, _ = limited_app(gate, limit=1)
    gate.set()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        answers = [await client.get("/slow") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]


def test_a_limit_below_one_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        InFlightLimit(FastAPI(), limit=0, registry=CollectorRegistry())
