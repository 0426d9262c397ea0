"""Fixtures for tests against real Kafka, PostgreSQL and mail inbox servers.

Two back ends serve them, chosen by FRONTDESK_TEST_BACKEND (frontdesk_devstack.testbackend):
`local`, the local stack's processes (`python -m frontdesk_devstack infra-up` is
idempotent, so run alone these fixtures start it; `make test-integration` uses this one),
and `containers`, the same servers started for the session in containers through
testcontainers; `auto`, the default, takes containers where a Docker engine answers and
their images are built. Each test gets its own fresh database and its own uniquely named
topics, so tests never see each other's data. The stack's stand-in gateway (`gateway`)
and the inbox (`inbox`) come from the test harness, `frontdesk_testing`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from frontdesk_devstack.procs import StackError
from frontdesk_devstack.testbackend import chosen, integration_endpoints
from frontdesk_devstack.topics import ensure_topics
from frontdesk_kit import KIT_MIGRATIONS, idempotent_producer, migrate
from frontdesk_testing import InboxClient, StandInGateway, eventually

pytestmark = pytest.mark.integration


def pytest_report_header() -> str:
    """Which back end this run uses, first thing in the output."""
    try:
        return f"integration back end: {chosen()}"
    except StackError as error:
        return f"integration back end: none ({error})"


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Endpoints of Kafka, PostgreSQL, SMTP, the inbox and the keys (stack.json's names),
    of the back end FRONTDESK_TEST_BACKEND chooses; a back end that cannot run ends the
    session with its reason, once, rather than failing every test with it."""
    try:
        with integration_endpoints(lambda: tmp_path_factory.mktemp("containers")) as found:
            yield found
    except StackError as error:
        pytest.exit(f"integration back end: {error}", returncode=pytest.ExitCode.INTERRUPTED)


@pytest.fixture(scope="session")
def kafka_bootstrap(stack: dict[str, str]) -> str:
    return stack["kafka_bootstrap"]


@pytest.fixture(scope="session")
def inbox_url(stack: dict[str, str]) -> str:
    return stack["inbox_url"]


@pytest.fixture(scope="session")
def gateway(stack: dict[str, str]) -> StandInGateway:
    """The stack's stand-in gateway: the services are given its public key."""
    return StandInGateway.load(Path(stack["keys_dir"]))


@pytest.fixture
async def inbox(inbox_url: str) -> AsyncIterator[InboxClient]:
    """The development inbox's JSON API (write to `unique_address(...)` recipients)."""
    async with InboxClient(inbox_url) as client:
        yield client


@pytest.fixture
async def database(stack: dict[str, str]) -> AsyncIterator[str]:
    """DSN of a brand-new database, dropped after the test."""
    admin_dsn = stack["postgres_dsn"]
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(admin_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_dsn.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
async def pool(database: str) -> AsyncIterator[asyncpg.Pool]:
    """A pool on a fresh database that has the kit's tables."""
    async with asyncpg.create_pool(database, min_size=1, max_size=10) as created:
        async with created.acquire() as conn:
            await migrate(conn, [("kit", KIT_MIGRATIONS)])
        yield created


@pytest.fixture
async def make_topic(kafka_bootstrap: str) -> AsyncIterator[Callable[..., Awaitable[str]]]:
    """Factory: create a uniquely named topic (deleted after the test)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    created: list[str] = []

    async def make(prefix: str = "test", partitions: int = 3, name: str | None = None) -> str:
        topic = name or f"{prefix}.{uuid.uuid4().hex[:12]}"
        await admin.create_topics([NewTopic(topic, partitions, 1)])
        created.append(topic)

        # The controller answers before the broker serves the new topic's metadata: a
        # client asking at once may be told it does not exist.
        async def led() -> None:
            [found] = await admin.describe_topics([topic])
            leaders = [p["leader"] for p in found["partitions"] if p["error_code"] == 0]
            assert found["error_code"] == 0 and len(leaders) == partitions, found
            assert all(leader >= 0 for leader in leaders), found

        await eventually(led, timeout=10, interval=0.1)
        return topic

    try:
        yield make
    finally:
        if created:
            await admin.delete_topics(created)
        await admin.close()


@pytest.fixture
async def topic_namespace(kafka_bootstrap: str) -> AsyncIterator[str]:
    """A unique topic prefix with every catalogue topic created under it (deleted after).

    Give it to a service as its TOPIC_PREFIX setting: its events, consumers and dead
    letters then live in topics no other test reads.
    """
    prefix = f"t{uuid.uuid4().hex[:10]}."
    created = await ensure_topics(kafka_bootstrap, prefix)
    try:
        yield prefix
    finally:
        admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
        await admin.start()
        try:
            await admin.delete_topics(created)
        finally:
            await admin.close()


@pytest.fixture
async def producer(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    started = idempotent_producer(kafka_bootstrap, client_id="tests")
    await started.start()
    try:
        yield started
    finally:
        await started.stop()


@pytest.fixture
def read_topic(kafka_bootstrap: str) -> Callable[..., Awaitable[list[ConsumerRecord]]]:
    """Reader: every record on a topic from the start, once at least `expected` arrived."""

    async def read(topic: str, expected: int, timeout: float = 20.0) -> list[ConsumerRecord]:
        return await _read_topic(kafka_bootstrap, topic, expected, timeout)

    return read


async def _read_topic(
    bootstrap: str, topic: str, expected: int, timeout: float
) -> list[ConsumerRecord]:
    # After `expected` records arrive, one more short read, so a surplus duplicate shows.
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await consumer.start()
    records: list[ConsumerRecord] = []
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(records) < expected and loop.time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for part in batch.values():
                records.extend(part)
        batch = await consumer.getmany(timeout_ms=1000)
        for part in batch.values():
            records.extend(part)
    finally:
        await consumer.stop()
    return records
