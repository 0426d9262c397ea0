"""Liveness and readiness: `/healthz` says the process runs, `/readyz` that it can work.

Readiness runs named checks (database reachable, migrations applied, Kafka
reachable) and answers 503 naming the failing ones, so a load balancer stops
sending traffic to an instance that cannot serve it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
from aiokafka import AIOKafkaProducer
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from .migrations import pending

Check = Callable[[], Awaitable[None]]


def database_check(pool: asyncpg.Pool) -> Check:
    async def check() -> None:
        await pool.fetchval("SELECT 1")

    return check


def migrations_check(pool: asyncpg.Pool, components: list[tuple[str, Path]]) -> Check:
    async def check() -> None:
        async with pool.acquire() as conn:
            missing = await pending(conn, components)
        if missing:
            raise RuntimeError(f"pending migrations: {', '.join(missing)}")

    return check


def kafka_check(producer: AIOKafkaProducer) -> Check:
    async def check() -> None:
        await producer.client.fetch_all_metadata()

    return check


async def run_checks(checks: dict[str, Check], timeout: float = 3.0) -> dict[str, str]:
    """Run every check; map its name to "ok" or the reason it failed."""

    async def one(check: Check) -> str:
        try:
            await asyncio.wait_for(check(), timeout)
        except Exception as error:  # noqa: BLE001 - a failed check is a result, not a crash
            return f"failed: {error!r}"
        return "ok"

    results = await asyncio.gather(*(one(c) for c in checks.values()))
    return dict(zip(checks, results, strict=True))


class Readiness(BaseModel):
    """Whether the instance can serve, and each check's result ("ok" or why not)."""

    status: str
    checks: dict[str, str]


def health_router(checks: dict[str, Check] | Callable[[], dict[str, Check]]) -> APIRouter:
    """Routes `/healthz` and `/readyz` for a service's HTTP app; `checks` may be a
    function, asked per request (checks that exist only once the service started)."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "alive"}

    @router.get(
        "/readyz",
        response_model=Readiness,
        responses={503: {"model": Readiness, "description": "Not ready: a check failed"}},
    )
    async def readyz() -> JSONResponse:
        results = await run_checks(checks() if callable(checks) else checks)
        ready = all(r == "ok" for r in results.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": results},
            status_code=200 if ready else 503,
        )

    return router
