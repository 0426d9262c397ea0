"""Health: /healthz says the process runs; /readyz runs the checks and names what failed."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

import httpx
import pytest
from fastapi import FastAPI

from frontdesk_kit.health import Check, health_router, run_checks


async def passing() -> None:
    return None


async def database_down() -> None:
    raise ConnectionRefusedError("connection to db.internal:5432 refused")


async def hanging() -> None:
    await asyncio.sleep(10)


async def test_run_checks_reports_each_check_by_name() -> None:
    """Passing checks are "ok"; a failing one says why; a hanging one times out."""
    results = await run_checks(
        {"kafka": passing, "database": database_down, "migrations": hanging}, timeout=0.05
    )

    assert results["kafka"] == "ok"
    assert results["database"].startswith("failed: ConnectionRefusedError(")
    assert "db.internal:5432 refused" in results["database"]
    assert results["migrations"] == "failed: TimeoutError()"


async def test_run_checks_runs_the_checks_concurrently() -> None:
    """Three hanging checks time out together, not one after another."""
    loop = asyncio.get_running_loop()
    started = loop.time()

    await run_checks({"a": hanging, "b": hanging, "c": hanging}, timeout=0.1)

    assert loop.time() - started < 0.25


Serve = Callable[[dict[str, Check]], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def client() -> Serve:
    """`async with client(checks)`: an HTTP client for an app that mounts health_router(checks)."""

    @contextlib.asynccontextmanager
    async def serve(checks: dict[str, Check]) -> AsyncIterator[httpx.AsyncClient]:
        app = FastAPI()
        app.include_router(health_router(checks))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as http:
            yield http

    return serve


async def test_healthz_answers_even_when_checks_fail(client: Serve) -> None:
    """Liveness does not depend on the database: restarting would not fix it."""
    async with client({"database": database_down}) as http:
        response = await http.get("/healthz")

    assert (response.status_code, response.json()) == (200, {"status": "alive"})


async def test_readyz_is_200_when_every_check_passes(client: Serve) -> None:
    async with client({"database": passing, "kafka": passing}) as http:
        response = await http.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "kafka": "ok"}}


async def test_readyz_is_503_naming_the_failing_check(client: Serve) -> None:
    """The load balancer stops routing here; the body says which dependency is down."""
    async with client({"database": database_down, "kafka": passing}) as http:
        response = await http.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert body["checks"]["kafka"] == "ok"
    assert body["checks"]["database"].startswith("failed: ConnectionRefusedError(")
