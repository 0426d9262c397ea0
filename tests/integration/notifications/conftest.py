"""Fixtures for the notifications service against the real Kafka, PostgreSQL and devmail.

`service` runs the real app (its lifespan: migrations, relay, consumer, sender loop) in
this process, on a fresh database and a private topic namespace, with a sealing key pair
generated for the test. Tests publish identity's events themselves, as identity would.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from frontdesk_contracts import (
    Envelope,
    KeyPair,
    SealedSecret,
    generate_key_pair,
    new_event,
    seal,
    to_record,
)
from frontdesk_notifications.bootstrap import create_app
from frontdesk_notifications.settings import Brand, NotificationsSettings

PUBLIC_BASE_URL = "https://app.frontdesk.test"


@dataclass
class Service:
    """The running service and what a test needs to talk to it."""

    settings: NotificationsSettings
    http: httpx.AsyncClient
    app: Any
    keys: KeyPair
    producer: AIOKafkaProducer

    def seal(self, secret: str) -> SealedSecret:
        return seal(secret, self.keys.public_key, self.keys.key_id)

    async def publish(self, event: Envelope[Any]) -> None:
        record = to_record(event)
        sent = await self.producer.send(
            self.settings.topic_prefix + record.topic,
            value=record.value,
            key=record.key,
            headers=record.headers,
        )
        await sent


OPS_TOKEN = "notifications-test-ops-token-0123456789abcdef"


def in_hours(hours: float) -> datetime:
    return datetime.now(UTC) + timedelta(hours=hours)


@pytest.fixture
def settings_for(
    database: str, kafka_bootstrap: str, topic_namespace: str, stack: dict[str, str]
) -> Callable[..., NotificationsSettings]:
    """Settings for a service on this test's database and topics; override with kwargs."""
    smtp_host, smtp_port = stack["smtp"].split(":")

    def build(keys: KeyPair, **overrides: Any) -> NotificationsSettings:
        values: dict[str, Any] = {
            "environment": "test",
            "database_url": database,
            "kafka_bootstrap_servers": kafka_bootstrap,
            "topic_prefix": topic_namespace,
            "smtp_host": smtp_host,
            "smtp_port": int(smtp_port),
            "public_base_url": PUBLIC_BASE_URL,
            "sealing_private_keys": {keys.key_id: keys.encoded_private_key().reveal()},
            "sender_poll_interval": 0.2,
            "retry_first_delay": 0.2,
            "retry_max_delay": 1.0,
            "retry_max_attempts": 4,
            "studio_brands": {
                "studio-brand": Brand(colour="#AA3366", logo_url="https://cdn.test/l.png")
            },
            "ops_token": OPS_TOKEN,
            **overrides,
        }
        return NotificationsSettings(**values)

    return build


@pytest.fixture
def start_service(
    settings_for: Callable[..., NotificationsSettings], producer: AIOKafkaProducer
) -> Callable[..., Any]:
    """Async context factory: run the service with these settings overrides."""

    @contextlib.asynccontextmanager
    async def start(keys: KeyPair | None = None, **overrides: Any) -> AsyncIterator[Service]:
        pair = keys or generate_key_pair(f"test-{uuid.uuid4().hex[:6]}")
        settings = settings_for(pair, **overrides)
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            auth = {"Authorization": f"Bearer {OPS_TOKEN}"}  # every route needs the ops token
            async with httpx.AsyncClient(
                transport=transport, base_url="http://ops", headers=auth
            ) as http:
                yield Service(settings, http, app, pair, producer)

    return start


@pytest.fixture
async def service(start_service: Callable[..., Any]) -> AsyncIterator[Service]:
    async with start_service() as running:
        yield running


def admin_created(service: Service, email: str, token: str, **overrides: Any) -> Envelope[Any]:
    """AccountCreatedByAdmin as identity publishes it, its token sealed to the service."""
    from frontdesk_contracts import AccountCreatedByAdmin

    values: dict[str, Any] = {
        "account_id": f"acc-{uuid.uuid4().hex[:10]}",
        "studio_id": "studio-1",
        "studio_name": "Pilates Palace",
        "admin_id": "admin-1",
        "email": email,
        "given_name": "Ada",
        "family_name": "Lovelace",
        "create_login_token": service.seal(token),
        "expires_at": in_hours(24 * 7),
        **overrides,
    }
    return new_event(AccountCreatedByAdmin(**values))
