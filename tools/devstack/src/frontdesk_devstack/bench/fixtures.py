"""What the benchmarks run on: the stack's endpoints, throwaway topics and databases, a
private mail server, and guards that keep a hung phase from hanging the run.

Every resource is named after the run (`run_id`) and removed at the end, failure or not.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from frontdesk_kit import KIT_MIGRATIONS, migrate

from ..config import StackConfig

PARTITIONS = 6
CLEANUP_TIMEOUT = 30.0
_DEVMAIL_READY = re.compile(r"devmail ready: smtp ([\d.]+):(\d+), inbox (\S+),")

Migrations = Sequence[tuple[str, Path]]


class BenchError(RuntimeError):
    """The benchmark could not run (stack not up, a phase hung, ...)."""


def note(message: str) -> None:
    """Progress and warnings go to stderr, so `--json` output stays clean."""
    print(message, file=sys.stderr, flush=True)


def load_endpoints() -> dict[str, str]:
    """The running stack's `.local/stack.json`; BenchError when the stack is not up."""
    path = StackConfig.from_env().root / "stack.json"
    try:
        endpoints: dict[str, str] = json.loads(path.read_text())
    except FileNotFoundError:
        raise BenchError(
            f"{path} not found: start the local stack first (python -m frontdesk_devstack up)"
        ) from None
    return endpoints


class Topics:
    """Uniquely named topics of this run, all deleted by `delete_all`."""

    def __init__(self, bootstrap: str, run_id: str) -> None:
        self._bootstrap = bootstrap
        self._run_id = run_id
        self._created: list[str] = []

    async def create(self, names: list[str]) -> list[str]:
        """Create `bench.<run>.<name>` for each name, PARTITIONS partitions each."""
        topics = [f"bench.{self._run_id}.{name}" for name in names]
        admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap, request_timeout_ms=15000)
        await admin.start()
        try:
            self._created += topics  # before the call: a timeout may still have created them
            await admin.create_topics([NewTopic(t, PARTITIONS, 1) for t in topics])
        finally:
            await admin.close()
        return topics

    def adopt(self, topics: list[str]) -> None:
        """Delete `topics` (created elsewhere for this run) with the others."""
        self._created += topics

    async def delete_all(self) -> None:
        """Delete every topic created; a failure is reported, never raised over the run's."""
        if not self._created:
            return
        admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap, request_timeout_ms=15000)
        try:
            async with asyncio.timeout(CLEANUP_TIMEOUT):
                await admin.start()
                existing = set(await admin.list_topics())
                doomed = [t for t in self._created if t in existing]
                if doomed:
                    await admin.delete_topics(doomed)
            self._created = []
        except Exception as error:  # noqa: BLE001 - report what is left, never mask the run
            note(f"warning: could not delete topics {self._created}: {error!r}")
        finally:
            await admin.close()


class Databases:
    """Throwaway databases on the local cluster, each dropped by `drop` or `drop_all`."""

    def __init__(self, admin_dsn: str, run_id: str) -> None:
        self._admin_dsn = admin_dsn
        self._run_id = run_id
        self._created: list[str] = []

    async def create(self, name: str, migrations: Migrations = (("kit", KIT_MIGRATIONS),)) -> str:
        """Create database `name` with `migrations` applied (the kit's tables); its DSN."""
        database = f"bench_{self._run_id}_{name}"
        admin = await asyncpg.connect(self._admin_dsn, timeout=10)
        try:
            self._created.append(database)
            await admin.execute(f'CREATE DATABASE "{database}"')
        finally:
            await admin.close()
        dsn = self._admin_dsn.rsplit("/", 1)[0] + f"/{database}"
        conn = await asyncpg.connect(dsn, timeout=10)
        try:
            await migrate(conn, list(migrations))
        finally:
            await conn.close()
        return dsn

    async def drop(self, dsn: str) -> None:
        """Drop the database of `dsn`, connections and all."""
        database = dsn.rsplit("/", 1)[1]
        admin = await asyncpg.connect(self._admin_dsn, timeout=10)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        finally:
            await admin.close()
        self._created.remove(database)

    async def drop_all(self) -> None:
        """Drop every database still there; a failure is reported, never raised."""
        for database in list(self._created):
            try:
                async with asyncio.timeout(CLEANUP_TIMEOUT):
                    await self.drop(self._admin_dsn.rsplit("/", 1)[0] + f"/{database}")
            except Exception as error:  # noqa: BLE001 - report what is left, never mask the run
                note(f"warning: could not drop database {database}: {error!r}")


async def postgres_version(admin_dsn: str) -> str:
    """The server's version; BenchError when PostgreSQL cannot be reached."""
    try:
        admin = await asyncpg.connect(admin_dsn, timeout=10)
    except (OSError, asyncpg.PostgresError) as error:
        raise BenchError(f"cannot reach PostgreSQL ({error}); is the stack up?") from None
    try:
        return str(await admin.fetchval("SHOW server_version"))
    finally:
        await admin.close()


@contextlib.asynccontextmanager
async def deadline(phase: str, seconds: float) -> AsyncIterator[None]:
    """A guard against a hung phase (a relay that silently retries for ever), not a target."""
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError:
        raise BenchError(
            f"{phase} did not finish within {seconds:.0f} s (see any relay warnings above)"
        ) from None


async def leaders_ready(bootstrap: str, topics: list[str]) -> None:
    """Wait until every partition's leader answers (ListOffsets), so no phase pays for it."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        async with deadline("waiting for the new topics' partition leaders", 30):
            while not set(topics) <= await consumer.topics():  # noqa: ASYNC110 - polls Kafka
                await asyncio.sleep(0.1)
            await consumer.end_offsets(
                [TopicPartition(t, p) for t in topics for p in range(PARTITIONS)]
            )
    finally:
        await stop_consumer(consumer)


async def stop_consumer(consumer: AIOKafkaConsumer) -> None:
    """`consumer.stop()`, minus aiokafka 0.14's stray CancelledError.

    A consumer stopped right after `start()` re-raises the cancellation of an internal
    task that never ran; swallow that one, never a real cancellation of ours.
    """
    try:
        await consumer.stop()
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise


@contextlib.contextmanager
def private_devmail() -> Iterator[tuple[str, int]]:
    """A devmail of the run's own (fresh data folder, free ports): (SMTP host, port).

    So a benchmark's thousands of emails never flood the stack's shared inbox.
    """
    with private_inbox() as (host, port, _):
        yield host, port


@contextlib.contextmanager
def private_inbox() -> Iterator[tuple[str, int, str]]:
    """`private_devmail`, with its inbox's URL too: (SMTP host, port, inbox URL)."""
    argv = [sys.executable, "-m", "frontdesk_devmail", "--smtp-port", "0", "--http-port", "0"]
    argv.append("--no-fsync")  # its data is thrown away after the run
    with tempfile.TemporaryDirectory(prefix="devmail-bench-") as data_dir:
        child = subprocess.Popen([*argv, "--data-dir", data_dir], stdout=subprocess.PIPE, text=True)
        try:
            yield _devmail_address(child)
        finally:
            child.terminate()
            child.wait(10)


def _devmail_address(child: subprocess.Popen[str]) -> tuple[str, int, str]:
    assert child.stdout is not None
    for line in child.stdout:
        match = _DEVMAIL_READY.search(line)
        if match:
            # devmail logs a line per message: keep its pipe drained or it stalls.
            threading.Thread(target=child.stdout.read, daemon=True).start()
            return match[1], int(match[2]), match[3]
    raise BenchError("devmail did not start")
