"""`deploy/compose.yaml` brought up and down, and what the tests need to know about it.

Before compose runs, the development keys are generated (`frontdesk_devstack.keys`)
into `.local/docker/keys/`, mounted read-only into every service instance, and the
PostgreSQL password into `.local/docker/secrets/`; compose gets their values by
variables, so neither file nor value is in the repository. Once every instance answers
`/readyz`, `.local/docker/stack/stack.json` describes the stack in the local stack's
format, with the load balancer's address for each service.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import secrets
import subprocess
import urllib.request
from pathlib import Path

from ..config import StackConfig
from ..keys import ensure_dev_keys
from ..procs import StackError, wait_until
from .composefile import COMPOSE_FILE
from .home import docker_home, run

SERVICE_UID = 10001  # the service images' user (deploy/images/service/Dockerfile)
KAFKA_BOOTSTRAP = "127.0.0.1:29092"
POSTGRES_PORT = 25432
SMTP = "127.0.0.1:21025"
INBOX_URL = "http://127.0.0.1:28025"
# Each service's load-balanced port; instance n answers on that port + 100 n.
BALANCED_PORTS = {"identity": 28081, "client-registry": 28082, "notifications": 28083}
INSTANCES = (1, 2)
READY_SECONDS = 180


def instance_port(service: str, instance: int) -> int:
    return BALANCED_PORTS[service] + 100 * instance


def container_names() -> list[str]:
    """The compose services that are instances of a Frontdesk service: identity-1, ..."""
    return [f"{service}-{n}" for service in BALANCED_PORTS for n in INSTANCES]


def stack_dir() -> Path:
    """The folder whose stack.json describes the compose stack (FRONTDESK_STACK_DIR for
    tools and tests pointed at it)."""
    path = docker_home() / "stack"
    path.mkdir(exist_ok=True)
    return path


def variables() -> dict[str, str]:
    """What compose.yaml is given: the keys and secrets folders and the two secrets it
    passes by value (the database password in the DSNs, the ops token). Also written to
    `.local/docker/compose.env`, so `docker compose --env-file .local/docker/compose.env
    -f deploy/compose.yaml ps|logs|...` works by hand."""
    home = docker_home()
    keys = ensure_dev_keys(dataclasses.replace(StackConfig.from_env(), root=home))
    _hand_to_the_services(keys)
    folder = home / "secrets"
    folder.mkdir(mode=0o700, exist_ok=True)
    password_file = folder / "postgres-password"
    if not password_file.exists():
        password_file.write_text(secrets.token_urlsafe(24))
    # Read by the postgres image's user through the mounted file alone; the folder
    # around it stays closed to everyone but this machine's owner.
    password_file.chmod(0o644)
    found = {
        "FRONTDESK_DOCKER_KEYS": str(keys),
        "FRONTDESK_DOCKER_SECRETS": str(folder),
        "FRONTDESK_DOCKER_PG_PASSWORD": password_file.read_text().strip(),
        "FRONTDESK_DOCKER_OPS_TOKEN": (keys / "ops-token").read_text().strip(),
    }
    env_file = env_file_path()
    env_file.write_text("".join(f"{name}={value}\n" for name, value in found.items()))
    env_file.chmod(0o600)
    return found


def env_file_path() -> Path:
    return docker_home() / "compose.env"


def _hand_to_the_services(keys: Path) -> None:
    """Let the images' user read the mounted keys: their owner as root (as a cluster's
    fsGroup would); readable by all where this runs unprivileged (rootless Docker)."""
    for path in (keys, *keys.iterdir()):
        if os.geteuid() == 0:
            os.chown(path, SERVICE_UID, SERVICE_UID)
        else:
            path.chmod(0o755 if path.is_dir() else 0o644)


def compose_command(*args: str) -> list[str]:
    """The `docker compose` command line for compose.yaml and its variables' file."""
    return [
        "docker",
        "compose",
        "--env-file",
        str(env_file_path()),
        "--file",
        str(COMPOSE_FILE),
        *args,
    ]


def run_compose(*args: str, quiet: bool = True) -> str:
    """Run `docker compose <args>` on compose.yaml with its variables."""
    variables()
    done = subprocess.run(
        compose_command(*args),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-30:])
        raise StackError(f"docker compose {' '.join(args)} failed:\n{tail}")
    if not quiet and done.stdout.strip():
        print(done.stdout.rstrip())
    return done.stdout


def up() -> None:
    """Start (or update) every container, wait until each instance is ready, describe it."""
    print("compose    up --wait (Kafka, PostgreSQL, inbox, topics, 6 instances, haproxy)")
    try:
        run_compose("up", "--detach", "--wait", "--wait-timeout", str(READY_SECONDS))
    except StackError as error:
        hint = " ".join(compose_command("logs"))
        raise StackError(f"{error}\n(see: {hint})") from None
    for service in BALANCED_PORTS:
        for n in INSTANCES:
            wait_until(
                functools.partial(ready, instance_port(service, n)), f"{service}-{n}", READY_SECONDS
            )
    write_stack_json()
    print(f"compose    ready; endpoints in {stack_dir() / 'stack.json'}")


def down(volumes: bool = False) -> None:
    """Stop and remove the stack's containers (and its volumes, when asked)."""
    run_compose("down", *(["--volumes"] if volumes else []))
    print("compose    down" + (" (volumes removed)" if volumes else ""))


def ready(port: int) -> bool:
    """Whether 127.0.0.1:`port` answers `/readyz` with 200 now."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=3) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


def endpoints() -> dict[str, str]:
    """stack.json of the compose stack: the local stack's keys, the balanced addresses."""
    password = variables()["FRONTDESK_DOCKER_PG_PASSWORD"]
    found = {
        "kafka_bootstrap": KAFKA_BOOTSTRAP,
        "postgres_dsn": f"postgresql://frontdesk:{password}@127.0.0.1:{POSTGRES_PORT}/postgres",
        "smtp": SMTP,
        "inbox_url": INBOX_URL,
        "keys_dir": str(docker_home() / "keys"),
    }
    for service, port in BALANCED_PORTS.items():
        name = service.replace("-", "_")
        found[f"{name}_url"] = f"http://127.0.0.1:{port}"
        found[f"{name}_openapi_url"] = f"http://127.0.0.1:{port}/openapi.json"
    return found


def write_stack_json() -> None:
    path = stack_dir() / "stack.json"
    path.write_text(json.dumps(endpoints(), indent=2) + "\n")
    path.chmod(0o600)


def container_id(name: str) -> str:
    """The id of compose service `name`'s container."""
    found = run_compose("ps", "--all", "--quiet", name).split()
    if not found:
        raise StackError(f"compose has no container for {name}")
    return found[0]


def kill(name: str) -> None:
    """SIGKILL one container (`docker kill`), as a crash would: no shutdown runs."""
    run(["docker", "kill", container_id(name)], quiet=True)
