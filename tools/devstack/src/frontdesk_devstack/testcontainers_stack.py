"""Kafka, PostgreSQL and the dev inbox in containers for one test session (testcontainers).

The integration tier's `containers` back end (see `testbackend`). The images are the ones
`make up-docker` builds (`frontdesk_devstack.docker.images`); each runs with host
networking, as everything tested here talks to 127.0.0.1 only, on ports of its own so it
collides neither with the local stack (19092, 15432, ...) nor with the compose stack
(29092, 25432, ...): Kafka 39092 (controller 39093), PostgreSQL 35432, SMTP 31025 and the
inbox 38025, each moved by its `FRONTDESK_CONTAINERS_*_PORT` variable.

What runs in the containers is configured by the local stack's own code: the broker's
properties (`kafka`), the role, password file and databases (`postgres`), the catalogue's
topics (`topics`), the development keys (`keys`), so both back ends serve the same tests
the same servers. No image registry is reachable here: a missing image is an error that
says how to build it, never a pull, and testcontainers' reaper (Ryuk, itself an image to
pull) is switched off; the session removes its containers itself.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import docker
from docker.errors import DockerException, ImageNotFound
from testcontainers.core.config import testcontainers_config
from testcontainers.core.container import DockerContainer
from testcontainers.core.waiting_utils import WaitStrategy, WaitStrategyTarget

from . import devmail, kafka, postgres, topics
from .config import StackConfig, port_from_env
from .docker import images
from .keys import ensure_dev_keys
from .procs import StackError
from .testbackend import missing_images_message

PORT_VARIABLES = {
    "kafka_port": ("FRONTDESK_CONTAINERS_KAFKA_PORT", 39092),
    "kafka_controller_port": ("FRONTDESK_CONTAINERS_KAFKA_CONTROLLER_PORT", 39093),
    "postgres_port": ("FRONTDESK_CONTAINERS_PG_PORT", 35432),
    "smtp_port": ("FRONTDESK_CONTAINERS_SMTP_PORT", 31025),
    "inbox_port": ("FRONTDESK_CONTAINERS_INBOX_PORT", 38025),
}
IMAGES = (images.KAFKA, images.POSTGRES, images.DEVMAIL)
LABEL = "dev.frontdesk.test-backend"  # on every container, to find a killed session's
KAFKA_DATA = Path("/var/lib/kafka/data")  # the Kafka image's volume
PASSWORD_IN_CONTAINER = "/run/secrets/postgres-password"  # noqa: S105 - a path, no password
READY_SECONDS = {"kafka": 90, "postgres": 60, "inbox": 30}


def containers_config(root: Path) -> StackConfig:
    """The containers' ports (from the environment) and `root`, the session's folder that
    holds its keys and the PostgreSQL password."""
    ports = {
        field: port_from_env(name, default) for field, (name, default) in PORT_VARIABLES.items()
    }
    return StackConfig(root=root.resolve(), **ports)


def missing_images() -> list[str]:
    """The tags of the images this back end runs that the engine does not have."""
    client = docker.from_env()
    try:
        return [image.tag for image in IMAGES if not _has_image(client, image.tag)]
    finally:
        client.close()


def _has_image(client: docker.DockerClient, tag: str) -> bool:
    try:
        client.images.get(tag)
    except ImageNotFound:
        return False
    return True


@contextlib.contextmanager
def started(root: Path) -> Iterator[dict[str, str]]:
    """Start the three containers, create the catalogue's topics and the development keys,
    and yield the endpoints as the local stack's stack.json names them; the containers are
    removed on the way out, whatever happened."""
    cfg = containers_config(root)
    missing = missing_images()
    if missing:
        raise StackError(missing_images_message(missing))
    refuse_busy_ports(cfg)
    testcontainers_config.ryuk_disabled = True
    containers = [kafka_container(cfg), postgres_container(cfg), inbox_container(cfg)]
    with contextlib.ExitStack() as removal:
        for container in containers:  # each removed even if another's removal fails
            removal.callback(container.stop)
        # Worker threads: the probes and the topics use asyncio.run, which must not touch
        # the event loop pytest-asyncio keeps for the session in the main thread.
        with ThreadPoolExecutor(max_workers=len(containers)) as pool:
            for done in [pool.submit(container.start) for container in containers]:
                done.result()
            pool.submit(topics.create, cfg).result()
        ensure_dev_keys(cfg)
        yield endpoints(cfg)


def endpoints(cfg: StackConfig) -> dict[str, str]:
    """The local stack's stack.json entries for Kafka, PostgreSQL, SMTP, the inbox and the
    keys (no service runs in this back end, so no service's URL)."""
    return {
        "kafka_bootstrap": cfg.kafka_bootstrap,
        "postgres_dsn": postgres.dsn(cfg),
        "smtp": f"127.0.0.1:{cfg.smtp_port}",
        "inbox_url": cfg.inbox_url,
        "keys_dir": str(cfg.root / "keys"),
    }


def refuse_busy_ports(cfg: StackConfig) -> None:
    """Host networking: a port already taken (often by a killed session's container)
    would make a container fail late and obscurely; say so at once."""
    for field, (variable, _) in PORT_VARIABLES.items():
        port = getattr(cfg, field)
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            raise StackError(
                f"port {port} is in use ({variable} moves it); containers a killed session "
                f"left: docker ps --filter label={LABEL}, removed by docker rm --force <id>"
            )


def _container(image: images.Image, role: str) -> DockerContainer:
    """`image` on the host's network, named and labelled for `docker ps` (no pull: the
    image was found before)."""
    return (
        DockerContainer(image.tag)
        .with_name(f"frontdesk-tests-{role}-{os.getpid()}")
        .with_kwargs(network_mode="host", labels={LABEL: "integration"})
    )


def kafka_container(cfg: StackConfig) -> DockerContainer:
    """One KRaft node with the local broker's properties, on the containers' ports."""
    return (
        _container(images.KAFKA, "kafka")
        .with_envs(**kafka_environment(cfg))
        .waiting_for(
            Answers(f"Kafka on {cfg.kafka_bootstrap}", lambda: kafka.answers(cfg.kafka_bootstrap))
            .with_startup_timeout(READY_SECONDS["kafka"])
            .with_poll_interval(0.5)
        )
    )


def kafka_environment(cfg: StackConfig) -> dict[str, str]:
    """The image's variables for the local broker's server.properties (`KAFKA_FOO_BAR`
    is foo.bar, `__` an underscore, `___` a dash, as deploy/images/kafka reads them)."""
    lines = kafka.broker_properties(cfg, KAFKA_DATA).splitlines()
    pairs = [line.split("=", 1) for line in lines if "=" in line and not line.startswith("#")]
    found = {kafka_variable(key): value for key, value in pairs}
    found["CLUSTER_ID"] = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    found["KAFKA_HEAP_OPTS"] = "-Xms256m -Xmx768m"
    return found


def kafka_variable(key: str) -> str:
    """`log.dirs` -> `KAFKA_LOG_DIRS` (the official apache/kafka image's convention)."""
    return "KAFKA_" + key.replace("_", "__").replace("-", "___").replace(".", "_").upper()


def postgres_container(cfg: StackConfig) -> DockerContainer:
    """The local stack's role and databases; its password is the session folder's."""
    password_file = cfg.dir("postgres") / "password"
    postgres.password(cfg)  # generated on first use, as the local stack's
    # Read through the mount by the image's user (uid 999); the folder around it stays
    # the session's own.
    password_file.chmod(0o644)
    dsn = postgres.dsn(cfg)
    return (
        _container(images.POSTGRES, "postgres")
        .with_envs(
            PGPORT=str(cfg.postgres_port),
            POSTGRES_USER=postgres.ROLE,
            POSTGRES_PASSWORD_FILE=PASSWORD_IN_CONTAINER,
            FRONTDESK_DATABASES=" ".join(postgres.SERVICE_DATABASES),
        )
        .with_volume_mapping(str(password_file), PASSWORD_IN_CONTAINER, "ro")
        .with_command(
            # As the local stack runs it: the tests make and drop a database each.
            ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300", "-c", "fsync=off"]
        )
        .waiting_for(
            Answers(f"PostgreSQL on 127.0.0.1:{cfg.postgres_port}", lambda: _selects(dsn))
            .with_startup_timeout(READY_SECONDS["postgres"])
            .with_poll_interval(0.5)
        )
    )


def _selects(dsn: str) -> bool:
    """Whether the server answers SELECT 1 as the tests' role (not merely pg_isready)."""

    async def probe() -> bool:
        try:
            connection = await asyncpg.connect(dsn, timeout=2)
        except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return False
        try:
            return bool(await connection.fetchval("SELECT 1") == 1)
        finally:
            await connection.close()

    return asyncio.run(probe())


def inbox_container(cfg: StackConfig) -> DockerContainer:
    """The dev SMTP server and inbox, without fsync, as the local stack runs it."""
    return (
        _container(images.DEVMAIL, "inbox")
        .with_envs(
            FRONTDESK_DEVMAIL_SMTP_HOST="127.0.0.1",
            FRONTDESK_DEVMAIL_SMTP_PORT=str(cfg.smtp_port),
            FRONTDESK_DEVMAIL_HTTP_HOST="127.0.0.1",
            FRONTDESK_DEVMAIL_HTTP_PORT=str(cfg.inbox_port),
            FRONTDESK_DEVMAIL_FSYNC="0",
        )
        .waiting_for(
            Answers(f"the inbox on {cfg.inbox_url}", lambda: devmail.answers(cfg))
            .with_startup_timeout(READY_SECONDS["inbox"])
            .with_poll_interval(0.3)
        )
    )


class Answers(WaitStrategy):
    """Ready once `probe` says so: a real request (a metadata answer, SELECT 1, the
    inbox's health page), not an open port. A container that exits is not waited for."""

    def __init__(self, what: str, probe: Callable[[], bool]) -> None:
        super().__init__()
        self._what = what
        self._probe = probe

    def wait_until_ready(self, container: WaitStrategyTarget) -> None:
        deadline = time.monotonic() + self._startup_timeout
        while not self._probe():
            container.reload()
            if container.status == "exited":
                raise StackError(f"{self._what}: the container exited\n{_tail(container)}")
            if time.monotonic() > deadline:
                raise StackError(
                    f"{self._what} did not answer within {self._startup_timeout:.0f}s\n"
                    + _tail(container)
                )
            time.sleep(self._poll_interval)


def _tail(container: WaitStrategyTarget, lines: int = 30) -> str:
    try:
        stdout, stderr = container.get_logs()
    except DockerException as error:
        return f"(no logs: {error})"
    text = (stdout + stderr).decode(errors="replace").strip().splitlines()
    return "\n".join(text[-lines:])
