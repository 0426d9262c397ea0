"""Identity's real app (lifespan and all) against the local Kafka and PostgreSQL.

Each test gets a fresh database, its own topic namespace, its own keys, and the app
started in-process through its lifespan; `events` reads what identity published.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from frontdesk_contracts import Envelope, KeyRing, from_record, generate_key_pair, to_record
from frontdesk_identity.bootstrap import create_app
from frontdesk_identity.settings import IdentitySettings
from frontdesk_kit import RetryPolicy
from frontdesk_testing import Admin, StandInGateway, eventually, write_key_pair

pytestmark = pytest.mark.integration

IDENTITY_TOPIC = "frontdesk.identity.v1"
PASSWORD = "correct horse battery"


class Keys:
    """The test's own keys: notifications' sealing pair, identity's signing key and a
    stand-in gateway, on disk where identity's settings point; `admin` is admin-1 of
    studio-1 ("Studio One"), whose calls that gateway signs."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.sealing = generate_key_pair("test-1")
        self.ring = KeyRing.of(self.sealing)
        write_key_pair(folder, "identity")
        self.gateway = StandInGateway()
        self.gateway.save(folder)
        self.admin = Admin("admin-1", {"studio-1": "Studio One"}, self.gateway)

    def open(self, sealed: Any) -> str:
        """The plaintext of a secret identity sealed to notifications."""
        return self.ring.open(sealed).reveal()


@pytest.fixture
def keys(tmp_path: Path) -> Keys:
    return Keys(tmp_path)


@pytest.fixture
def settings_for(
    database: str, kafka_bootstrap: str, topic_namespace: str, keys: Keys
) -> Callable[..., IdentitySettings]:
    """Settings for the test's app; keyword arguments override any of them."""

    def make(**overrides: Any) -> IdentitySettings:
        values: dict[str, Any] = {
            "environment": "test",
            "database_url": database,
            "kafka_bootstrap_servers": kafka_bootstrap,
            "topic_prefix": topic_namespace,
            "signing_key_file": keys.folder / "identity-signing.pem",
            "gateway_public_key_file": keys.folder / "gateway-public.pem",
            "sealing_public_keys": {"test-1": keys.sealing.encoded_public_key()},
            "token_digest_key": "integration-test-digest-key",
            "public_base_url": "http://identity.test",
            "argon2_time_cost": 1,
            "argon2_memory_kib": 1024,
            "uniform_response_seconds": 0.3,
            "login_base_delay_seconds": 30.0,
        }
        values.update(overrides)
        return IdentitySettings(**values)

    return make


class Service:
    """The running app: an HTTP client on it and its settings."""

    def __init__(self, http: httpx.AsyncClient, settings: IdentitySettings, app: Any) -> None:
        self.http = http
        self.settings = settings
        self.app = app


@contextlib.asynccontextmanager
async def running(settings: IdentitySettings) -> AsyncIterator[Service]:
    """Start identity through its lifespan; stop it on exit."""
    app = create_app(settings, retry=RetryPolicy(attempts=2, first_delay=0.01, max_delay=0.02))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://identity.test") as http:
            yield Service(http, settings, app)


@pytest.fixture
async def service(settings_for: Callable[..., IdentitySettings]) -> AsyncIterator[Service]:
    async with running(settings_for()) as started:
        yield started


class Events:
    """Every event identity published in this test, read from its topic as they arrive."""

    def __init__(self, consumer: AIOKafkaConsumer) -> None:
        self._consumer = consumer
        self.seen: list[Envelope[Any]] = []
        self.raw: list[bytes] = []

    async def _poll(self) -> None:
        batch = await self._consumer.getmany(timeout_ms=200)
        for records in batch.values():
            for record in records:
                self.raw.append(record.value + b"".join(v for _, v in record.headers))
                self.seen.append(from_record(record.value, list(record.headers)))

    async def wait(
        self, event_type: str, count: int = 1, timeout: float = 15.0, **where: Any
    ) -> list[Envelope[Any]]:
        """The events of `event_type` (matching `where` on the payload), once `count` came."""

        async def arrived() -> list[Envelope[Any]]:
            found = [e for e in self.seen if e.type == event_type and _matches(e, where)]
            if len(found) < count:
                await self._poll()  # the pause between tries: up to 0.2 s for new records
            assert len(found) >= count, f"{event_type}: {len(found)} < {count}; seen {self.types()}"
            return found

        return await eventually(arrived, timeout=timeout, interval=0)

    async def settle(self, seconds: float = 1.5) -> list[Envelope[Any]]:
        """Everything published until nothing new arrived for a moment."""
        deadline = asyncio.get_running_loop().time() + seconds
        while asyncio.get_running_loop().time() < deadline:
            await self._poll()
        return self.seen

    def types(self) -> list[str]:
        return [e.type for e in self.seen]


def _matches(event: Envelope[Any], where: dict[str, Any]) -> bool:
    return all(getattr(event.payload, k, None) == v for k, v in where.items())


@pytest.fixture
async def events(kafka_bootstrap: str, topic_namespace: str) -> AsyncIterator[Events]:
    consumer = AIOKafkaConsumer(
        topic_namespace + IDENTITY_TOPIC,
        bootstrap_servers=kafka_bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await consumer.start()
    try:
        yield Events(consumer)
    finally:
        await consumer.stop()


@pytest.fixture
def publish(producer: Any, topic_namespace: str) -> Callable[[Envelope[Any]], Any]:
    """Publish a contract event to its catalogue topic in this test's namespace."""

    async def send(event: Envelope[Any]) -> None:
        record = to_record(event)
        sent = await producer.send(
            topic_namespace + record.topic,
            value=record.value,
            key=record.key,
            headers=list(record.headers),
        )
        await sent

    return send


def link_of(keys: Any, payload: Any, field: str) -> tuple[str, str]:
    """(path with query, token) of the link an email would carry."""
    token = keys.open(getattr(payload, field))
    path = payload.link_page.removeprefix("http://identity.test")
    return f"{path}?{urlencode({'token': token})}", token


async def client_with_login(
    service: Any, keys: Any, events: Any, username: str = "ada", email: str = "ada@example.com"
) -> str:
    """An admin-created client who created their login; returns the account id."""
    created = await service.http.post(
        "/v1/admin/studios/studio-1/clients",
        json={"email": email, "given_name": "Ada"},
        headers=keys.admin.identity(),
    )
    account_id: str = created.json()["account_id"]
    [event] = await events.wait("AccountCreatedByAdmin", account_id=account_id)
    _, token = link_of(keys, event.payload, "create_login_token")
    form = {"token": token, "username": username, "password": PASSWORD}
    done = await service.http.post("/links/create-login", data=form)
    assert done.status_code == 200, done.text
    return account_id


async def log_in(service: Any, login: str = "ada", password: str = PASSWORD) -> Any:
    """The answer to a login."""
    return await service.http.post("/v1/sessions", json={"login": login, "password": password})


@pytest.fixture
def steps() -> SimpleNamespace:
    """Shared test steps: `link_of`, `client_with_login`, `log_in`, `PASSWORD`."""
    return SimpleNamespace(
        link_of=link_of, client_with_login=client_with_login, log_in=log_in, PASSWORD=PASSWORD
    )


@pytest.fixture
def start(
    settings_for: Callable[..., IdentitySettings],
) -> Callable[..., contextlib.AbstractAsyncContextManager[Service]]:
    """`async with start(**settings) as service`: identity with other settings."""
    return lambda **overrides: running(settings_for(**overrides))
