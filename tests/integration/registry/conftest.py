"""Fixtures for client-registry against the real Kafka and PostgreSQL: the service app
running its lifespan, a client for its HTTP API, identity's events and tokens minted here.
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import asyncpg
import httpx
import jwt
import pytest
from aiokafka import AIOKafkaProducer

from frontdesk_contracts import (
    AccountCreatedByAdmin,
    AccountImported,
    AccountMatch,
    Envelope,
    SealedSecret,
    SignupCompleted,
    SignupMatchedExisting,
    from_record,
    new_event,
    to_record,
)
from frontdesk_registry.bootstrap import create_app
from frontdesk_registry.settings import RegistrySettings
from frontdesk_testing import REGISTRY_AUDIENCE, StandInGateway, eventually, load_private_key

REGISTRY_TOPIC = "frontdesk.client-registry.v1"
IDENTITY_TOPIC = "frontdesk.identity.v1"
DLQ_TOPIC = "frontdesk-client-registry.dlq"


def unique(prefix: str) -> str:
    """A fresh id, so tests never collide."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def imported(account: str, studio: str, email: str, **fields: Any) -> Envelope[Any]:
    """AccountImported: a studio imported this client before launch."""
    payload = {
        "account_id": account, "studio_id": studio, "external_client_id": "crm-" + account,
        "given_name": "Ada", "family_name": "Lovelace", "emails": [email],
        "phone": "+44 20 7946 0018",
    } | fields  # fmt: skip
    return new_event(AccountImported(**payload))


def created_by_admin(account: str, studio: str, studio_name: str, email: str) -> Envelope[Any]:
    """AccountCreatedByAdmin: an admin of `studio` created this client."""
    sealed = SealedSecret(key_id="k1", ciphertext=base64.b64encode(bytes(80)).decode())
    return new_event(
        AccountCreatedByAdmin(
            account_id=account, studio_id=studio, studio_name=studio_name, admin_id="admin-9",
            email=email, given_name="Ada", family_name="King", create_login_token=sealed,
            expires_at=datetime.now(UTC) + timedelta(days=7),
        )
    )  # fmt: skip


def signup_completed(account: str, email: str) -> Envelope[Any]:
    """SignupCompleted: the app account proved it owns `email`."""
    return new_event(SignupCompleted(account_id=account, username="ada" + account, email=email))


def signup_matched(
    account: str, email: str, matches: list[tuple[str, str]], time: datetime | None = None
) -> Envelope[Any]:
    """SignupMatchedExisting: the verified address matches these (account, studio) records."""
    found = [AccountMatch(account_id=a, studio_id=s) for a, s in matches]
    return new_event(
        SignupMatchedExisting(account_id=account, email=email, matches=found), time=time
    )


@pytest.fixture
def ev() -> SimpleNamespace:
    """Builders of identity's events and fresh ids."""
    return SimpleNamespace(
        unique=unique, imported=imported, created_by_admin=created_by_admin,
        signup_completed=signup_completed, signup_matched=signup_matched,
    )  # fmt: skip


@dataclass
class Registry:
    """The running service, and what a test needs to talk to it like identity and the app."""

    http: httpx.AsyncClient
    pool: asyncpg.Pool
    prefix: str
    producer: AIOKafkaProducer
    read: Callable[..., Awaitable[list[Any]]]
    identity_key: Any
    gateway: StandInGateway

    async def publish(self, *events: Envelope[Any]) -> None:
        """Publish identity's events onto the namespaced identity topic."""
        for event in events:
            record = to_record(event)
            await self.publish_raw(record.value, record.key, record.headers)

    async def publish_raw(
        self, value: bytes, key: bytes = b"k", headers: Sequence[tuple[str, bytes]] = ()
    ) -> None:
        """Publish any bytes onto the identity topic (malformed records included)."""
        topic = self.prefix + IDENTITY_TOPIC
        await (await self.producer.send(topic, value=value, key=key, headers=list(headers)))

    def token(self, account_id: str, **overrides: Any) -> dict[str, str]:
        """Authorization header with an access token as identity signs them (the claims of
        frontdesk_contracts.access_token: no email address in them)."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": account_id, "iss": "frontdesk-identity", "aud": "frontdesk",
            "iat": now, "exp": now + 600, "sid": "s-1", "jti": str(uuid.uuid4()),
        }  # fmt: skip
        claims |= overrides
        token = jwt.encode(claims, self.identity_key, algorithm="EdDSA")
        return {"Authorization": f"Bearer {token}"}

    def admin(self, studios: list[str], key: Any = None, **overrides: Any) -> dict[str, str]:
        """The gateway's assertion header for an admin of `studios` (signed with `key`
        instead of the gateway's to forge one)."""
        gateway = self.gateway if key is None else StandInGateway(key)
        return gateway.headers("admin-1", studios, audience=REGISTRY_AUDIENCE, **overrides)

    async def events(self, expected: int, timeout: float = 15.0) -> list[Envelope[Any]]:
        """Every event client-registry published so far (at least `expected`)."""
        records = await self.read(self.prefix + REGISTRY_TOPIC, expected, timeout)
        return [from_record(r.value, r.headers) for r in records]

    async def wait_for(self, query: str, *args: Any, timeout: float = 15.0) -> None:
        """Poll the service's database until `query` returns a truthy value."""

        async def holds() -> None:
            value = await self.pool.fetchval(query, *args)
            assert value, f"{query} {args} gave {value!r}"

        await eventually(holds, timeout=timeout, interval=0.1)


@pytest.fixture
async def registry(
    stack: dict[str, str],
    database: str,
    kafka_bootstrap: str,
    topic_namespace: str,
    producer: AIOKafkaProducer,
    read_topic: Callable[..., Awaitable[list[Any]]],
    gateway: StandInGateway,
) -> AsyncIterator[Registry]:
    """client-registry running against a fresh database and namespaced topics."""
    keys = Path(stack["keys_dir"])
    settings = RegistrySettings(
        environment="test",
        database_url=database,
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_prefix=topic_namespace,
        identity_public_key_file=keys / "identity-public.pem",
        gateway_public_key_file=keys / "gateway-public.pem",
        expiry_sweep_seconds=0.5,
        relay_poll_seconds=0.2,
        merge_proposal_lifetime=timedelta(days=30),
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://registry") as http:
            yield Registry(
                http=http,
                pool=app.state.running.pool,
                prefix=topic_namespace,
                producer=producer,
                read=read_topic,
                identity_key=load_private_key(keys / "identity-signing.pem"),
                gateway=gateway,
            )
