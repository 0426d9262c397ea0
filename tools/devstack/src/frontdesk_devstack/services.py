"""Frontdesk's own services, started as processes against the local stack.

Each service present in the checkout (`services/<dir>/pyproject.toml`) is started
with `python -m <package>`, its settings given as environment variables pointing at
the stack's PostgreSQL database, Kafka, SMTP server and development keys, and is
waited for until `/readyz` answers 200.
"""

from __future__ import annotations

import os
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import postgres
from .config import REPO_ROOT, StackConfig
from .procs import read_pid, spawn, stop, wait_until


@dataclass(frozen=True)
class Service:
    name: str
    folder: str
    package: str
    prefix: str
    default_port: int
    env: Callable[[StackConfig, Path], dict[str, str]]

    def port(self) -> int:
        return int(os.environ.get(f"{self.prefix}HTTP_PORT", self.default_port))

    def url(self) -> str:
        return f"http://127.0.0.1:{self.port()}"

    def present(self) -> bool:
        return (REPO_ROOT / "services" / self.folder / "pyproject.toml").exists()


def _identity(cfg: StackConfig, keys: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": postgres.dsn(cfg, "frontdesk_identity"),
        "SIGNING_KEY_FILE": str(keys / "identity-signing.pem"),
        "GATEWAY_PUBLIC_KEY_FILE": str(keys / "gateway-public.pem"),
        "SEALING_PUBLIC_KEYS_FILE": str(keys / "sealing-public.json"),
        "TOKEN_DIGEST_KEY_FILE": str(keys / "identity-token-digest.key"),
        "PUBLIC_BASE_URL": IDENTITY.url(),
        # The local stack's stand-in for the gateway (the tests, the demo) calls from
        # loopback and names each person's address in X-Forwarded-For.
        "TRUSTED_PROXIES": "127.0.0.1",
    }


def _notifications(cfg: StackConfig, keys: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": postgres.dsn(cfg, "frontdesk_notifications"),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(cfg.smtp_port),
        "SEALING_PRIVATE_KEYS_FILE": str(keys / "sealing-private.json"),
        "PUBLIC_BASE_URL": IDENTITY.url(),
    }


def _registry(cfg: StackConfig, keys: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": postgres.dsn(cfg, "frontdesk_registry"),
        "IDENTITY_PUBLIC_KEY_FILE": str(keys / "identity-public.pem"),
        "GATEWAY_PUBLIC_KEY_FILE": str(keys / "gateway-public.pem"),
    }


IDENTITY = Service(
    "identity", "identity", "frontdesk_identity", "FRONTDESK_IDENTITY_", 18081, _identity
)
REGISTRY = Service(
    "client-registry",
    "client-registry",
    "frontdesk_registry",
    "FRONTDESK_REGISTRY_",
    18082,
    _registry,
)
NOTIFICATIONS = Service(
    "notifications",
    "notifications",
    "frontdesk_notifications",
    "FRONTDESK_NOTIFICATIONS_",
    18083,
    _notifications,
)
ALL = (IDENTITY, REGISTRY, NOTIFICATIONS)


def _pid_file(cfg: StackConfig, service: Service) -> Path:
    return cfg.dir("services") / f"{service.name}.pid"


def start(cfg: StackConfig, keys: Path) -> None:
    for service in ALL:
        if service.present():
            _start(cfg, keys, service)


def _start(cfg: StackConfig, keys: Path, service: Service) -> None:
    pid_file = _pid_file(cfg, service)
    if read_pid(pid_file):
        print(f"{service.name:<16}already running on {service.url()}")
        return
    env = {service.prefix + k: v for k, v in service.env(cfg, keys).items()}
    env[service.prefix + "KAFKA_BOOTSTRAP_SERVERS"] = cfg.kafka_bootstrap
    env[service.prefix + "HTTP_PORT"] = str(service.port())
    env[service.prefix + "OPS_TOKEN"] = (keys / "ops-token").read_text().strip()
    log_file = cfg.dir("services") / f"{service.name}.log"
    spawn([sys.executable, "-m", service.package], pid_file, log_file, env=env)
    wait_until(lambda: _ready(service), service.name, 90, log_file)
    print(f"{service.name:<16}ready on {service.url()}")


def _ready(service: Service) -> bool:
    try:
        with urllib.request.urlopen(f"{service.url()}/readyz", timeout=3) as reply:  # noqa: S310
            return bool(reply.status == 200)
    except OSError:
        return False


def stop_all(cfg: StackConfig) -> None:
    for service in reversed(ALL):
        if stop(_pid_file(cfg, service), service.name):
            print(f"{service.name:<16}stopped")


def status_rows(cfg: StackConfig) -> list[tuple[str, bool, str]]:
    return [(s.name, read_pid(_pid_file(cfg, s)) is not None, s.url()) for s in ALL if s.present()]
