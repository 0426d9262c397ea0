"""The three services run in-process on fresh databases and a private topic namespace,
for the ops tooling's tests (metrics, replay, dead letters)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from frontdesk_testing import eventually

from .helpers import OPS_TOKEN

pytestmark = pytest.mark.integration


@dataclass
class Running:
    """A service app running through its lifespan, and an HTTP client on it."""

    name: str
    app: FastAPI
    http: httpx.AsyncClient
    settings: Any


def _app(name: str, common: dict[str, Any], keys: Path, **overrides: Any) -> tuple[FastAPI, Any]:
    if name == "identity":
        from frontdesk_identity.bootstrap import create_app as identity_app
        from frontdesk_identity.settings import IdentitySettings

        identity = IdentitySettings(
            **common,
            signing_key_file=keys / "identity-signing.pem",
            gateway_public_key_file=keys / "gateway-public.pem",
            sealing_public_keys_file=keys / "sealing-public.json",
            token_digest_key="ops-test-digest-key",
            argon2_time_cost=1,
            argon2_memory_kib=1024,
            **overrides,
        )
        return identity_app(identity), identity
    if name == "notifications":
        from frontdesk_notifications.bootstrap import create_app as notifications_app
        from frontdesk_notifications.settings import NotificationsSettings

        notifications = NotificationsSettings(
            **common,
            sealing_private_keys_file=keys / "sealing-private.json",
            sender_poll_interval=0.2,
            **overrides,
        )
        return notifications_app(notifications), notifications
    from frontdesk_registry.bootstrap import create_app as registry_app
    from frontdesk_registry.settings import RegistrySettings

    registry = RegistrySettings(
        **common,
        identity_public_key_file=keys / "identity-public.pem",
        gateway_public_key_file=keys / "gateway-public.pem",
        relay_poll_seconds=0.2,
        **overrides,
    )
    return registry_app(registry), registry


@pytest.fixture
def build(
    stack: dict[str, str], database: str, kafka_bootstrap: str, topic_namespace: str
) -> Callable[..., tuple[FastAPI, Any]]:
    """Factory: service `name`'s app and settings on this test's database and topics."""

    def make(name: str, **overrides: Any) -> tuple[FastAPI, Any]:
        common = {
            "environment": "test",
            "database_url": database,
            "kafka_bootstrap_servers": kafka_bootstrap,
            "topic_prefix": topic_namespace,
        }
        overrides.setdefault("ops_token", OPS_TOKEN)  # /metrics needs it
        if name == "notifications":  # the back end's SMTP server, whose inbox tests read
            host, port = stack["smtp"].rsplit(":", 1)
            overrides.setdefault("smtp_host", host)
            overrides.setdefault("smtp_port", int(port))
        return _app(name, common, Path(stack["keys_dir"]), **overrides)

    return make


@pytest.fixture
def start(
    build: Callable[..., tuple[FastAPI, Any]],
) -> Callable[..., contextlib.AbstractAsyncContextManager[Running]]:
    """Async context factory: run service `name` (identity, notifications, client-registry)."""

    @contextlib.asynccontextmanager
    async def run(name: str, **overrides: Any) -> AsyncIterator[Running]:
        app, settings = build(name, **overrides)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            auth = {"Authorization": f"Bearer {OPS_TOKEN}"}
            async with httpx.AsyncClient(
                transport=transport, base_url="http://svc", headers=auth
            ) as http:
                yield Running(name, app, http, settings)

    return run


@dataclass
class Served:
    """A service app served by uvicorn on a free local port (for the CLI's HTTP calls)."""

    name: str
    url: str
    app: FastAPI
    settings: Any


@pytest.fixture
def serve(
    build: Callable[..., tuple[FastAPI, Any]],
) -> Callable[..., contextlib.AbstractAsyncContextManager[Served]]:
    """Async context factory: serve service `name` over HTTP (its lifespan run by uvicorn)."""

    @contextlib.asynccontextmanager
    async def run(name: str, **overrides: Any) -> AsyncIterator[Served]:
        app, settings = build(name, **overrides)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
        server = uvicorn.Server(config)

        async def serve_until_stopped() -> None:
            try:
                await server.serve()
            except SystemExit as failed:  # uvicorn exits when the lifespan fails
                raise RuntimeError(f"{name} did not start (exit {failed.code})") from None

        task = asyncio.create_task(serve_until_stopped())

        async def serving() -> None:
            if task.done():
                task.result()  # its failure to start, at once
            assert server.started, f"{name} is not serving yet"

        try:
            await eventually(serving, timeout=60, interval=0.05)
            yield Served(name, f"http://127.0.0.1:{port}", app, settings)
        finally:
            server.should_exit = True
            await task

    return run
