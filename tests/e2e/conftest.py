"""End-to-end fixtures: the three services as `make up` runs them, real Kafka, PostgreSQL
and the development SMTP server.

The session starts the stack (`python -m frontdesk_devstack up`, idempotent) and talks
to the services only the way their users do: the app's HTTP API, the gateway's signed
admin assertions, the inbox's JSON API for the emails, and one inbound event
(`ClientImported`) that another platform service would publish. Every test uses its
own studios and addresses (a uuid in each), so tests never see each other's data.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer

from frontdesk_contracts import ClientImported, new_event, to_record
from frontdesk_devstack.config import StackConfig
from frontdesk_devstack.services import IDENTITY, NOTIFICATIONS, REGISTRY
from frontdesk_testing import Admin, InboxClient, StandInGateway
from frontdesk_testing.people import Journey

pytestmark = pytest.mark.integration

ARTIFACTS = Path(__file__).parent / "artifacts"
# `make test-docker` points the tier at a stack that already runs (the compose stack):
# FRONTDESK_STACK_DIR names the folder of its stack.json, and nothing is started here.
USE_RUNNING_STACK = os.environ.get("FRONTDESK_E2E_USE_RUNNING_STACK") == "1"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "local_stack: drives the local stack's own processes (kills, restarts); "
        "skipped against a running stack such as the compose one",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if USE_RUNNING_STACK:
        skip = pytest.mark.skip(reason="needs the local stack's processes")
        for item in items:
            if item.get_closest_marker("local_stack"):
                item.add_marker(skip)


@dataclass(frozen=True)
class Stack:
    """Where the running stack answers."""

    kafka_bootstrap: str
    postgres_dsn: str
    inbox_url: str
    keys_dir: Path
    identity_url: str
    registry_url: str
    notifications_url: str

    def database(self, name: str) -> str:
        """DSN of one of the services' own databases (for the expired-link test only)."""
        return self.postgres_dsn.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def stack() -> Stack:
    """The running stack, started here (with every service) if it is not up; with
    FRONTDESK_E2E_USE_RUNNING_STACK=1, the one FRONTDESK_STACK_DIR's stack.json describes."""
    if not USE_RUNNING_STACK:
        subprocess.run([sys.executable, "-m", "frontdesk_devstack", "up"], check=True)
    cfg = StackConfig.from_env()
    endpoints = json.loads((cfg.root / "stack.json").read_text())
    return Stack(
        kafka_bootstrap=endpoints["kafka_bootstrap"],
        postgres_dsn=endpoints["postgres_dsn"],
        inbox_url=endpoints["inbox_url"],
        keys_dir=Path(endpoints["keys_dir"]),
        identity_url=endpoints.get("identity_url", IDENTITY.url()),
        registry_url=endpoints.get("client_registry_url", REGISTRY.url()),
        notifications_url=endpoints.get("notifications_url", NOTIFICATIONS.url()),
    )


@pytest.fixture(scope="session")
def gateway(stack: Stack) -> StandInGateway:
    """The stack's stand-in gateway: the services are given its public key."""
    return StandInGateway.load(stack.keys_dir)


@pytest.fixture
def unique() -> str:
    """A short unique tag for this test's studios, addresses and usernames."""
    return uuid.uuid4().hex[:10]


@pytest.fixture
def studio(unique: str) -> tuple[str, str]:
    """This test's studio: (id, name)."""
    return f"studio-{unique}", f"Studio {unique[:4].upper()}"


@pytest.fixture
def admin(studio: tuple[str, str], gateway: StandInGateway, unique: str) -> Admin:
    """An admin of this test's studio."""
    return Admin(f"admin-{unique}", {studio[0]: studio[1]}, gateway)


@pytest.fixture
def client_ip() -> str:
    """A client's own address (TEST-NET-2), sent as X-Forwarded-For.

    identity believes X-Forwarded-For from 127.0.0.1 (devstack sets its TRUSTED_PROXIES),
    as it would from the proxy in front of it. Each test is a different person on a
    different network, so the per-IP email quota (20 an hour) counts each test's emails
    on their own and repeated runs within the hour are not silently refused.
    """
    return f"198.51.100.{uuid.uuid4().int % 254 + 1}"


@pytest.fixture
async def identity(stack: Stack, client_ip: str) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP client of identity, as the app and the gateway call it."""
    headers = {"X-Forwarded-For": client_ip}
    async with httpx.AsyncClient(base_url=stack.identity_url, headers=headers, timeout=15) as http:
        yield http


@pytest.fixture
async def registry(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP client of client-registry."""
    async with httpx.AsyncClient(base_url=stack.registry_url, timeout=15) as http:
        yield http


@pytest.fixture(scope="session")
async def inbox(stack: Stack) -> AsyncIterator[InboxClient]:
    """The development inbox's JSON API."""
    async with InboxClient(stack.inbox_url) as client:
        yield client


@pytest.fixture(scope="session")
async def producer(stack: Stack) -> AsyncIterator[AIOKafkaProducer]:
    """A plain producer, standing in for another platform service."""
    started = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap, acks="all")
    await started.start()
    try:
        yield started
    finally:
        await started.stop()


@pytest.fixture
def import_client(producer: AIOKafkaProducer) -> Any:
    """Publish a ClientImported onto `platform.client-imports.v1`, as a migration would."""

    async def publish(studio_id: str, external_id: str, given_name: str, *emails: str) -> None:
        event = new_event(
            ClientImported(
                studio_id=studio_id,
                external_client_id=external_id,
                given_name=given_name,
                family_name="Imported",
                emails=list(emails),
                phone="+44 20 7946 0123",
            )
        )
        record = to_record(event)
        await producer.send_and_wait(
            record.topic, value=record.value, key=record.key, headers=list(record.headers)
        )

    return publish


@pytest.fixture
async def identity_db(stack: Stack) -> AsyncIterator[asyncpg.Connection]:
    """identity's own database: only to age a link past its lifetime (no hour to wait)."""
    conn = await asyncpg.connect(stack.database("frontdesk_identity"))
    try:
        yield conn
    finally:
        await conn.close()


# Screenshots of failed browser tests: the report of each phase, for the page fixture.
@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def artifacts() -> Path:
    return ARTIFACTS


CHROMIUM = "/usr/bin/chromium"  # Debian's package; Playwright never downloads a browser
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
async def playwright_driver() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as driver:
        yield driver


@pytest.fixture
async def page(
    playwright_driver: Any,
    tmp_path: Path,
    artifacts: Path,
    client_ip: str,
    request: pytest.FixtureRequest,
) -> AsyncIterator[Any]:
    """A page in a fresh headless Chromium profile; a screenshot is kept if the test fails."""
    context = await playwright_driver.chromium.launch_persistent_context(
        str(tmp_path / "chromium-profile"),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        headless=True,
        extra_http_headers={"X-Forwarded-For": client_ip},
    )
    context.set_default_timeout(15_000)
    opened = await context.new_page()
    try:
        yield opened
    finally:
        report = getattr(request.node, "report_call", None)
        if report is None or report.failed:
            shot = artifacts / f"{request.node.name}.png"
            # The viewport, what the person saw; Playwright creates the folder.
            await opened.screenshot(path=str(shot))
        await context.close()


@pytest.fixture
def journey(
    identity: httpx.AsyncClient, registry: httpx.AsyncClient, inbox: InboxClient, admin: Admin
) -> Journey:
    return Journey(identity, registry, inbox, admin)
