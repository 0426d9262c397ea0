"""Frontdesk's own services, started as processes against the local stack.

Each service present in the checkout (`services/<dir>/pyproject.toml`) is started
with `python -m <package>`, its settings given as environment variables pointing at
the stack's PostgreSQL database, Kafka, SMTP server and development keys, and is
waited for until `/readyz` answers 200.

`make up` starts instance 1 of each. `make chaos` also starts instance 2 (same database
and consumer group, HTTP port + 10), kills instances with SIGKILL and starts them again;
`make down` stops every instance.
"""

from __future__ import annotations

import os
import signal
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import postgres
from .config import REPO_ROOT, StackConfig
from .procs import read_pid, spawn, stop, wait_until

INSTANCE_PORT_STEP = 10
# Identity's per-address email quota in the local stack (its default, set here so the
# chaos run's quota race knows what to expect).
EMAILS_PER_ADDRESS_PER_HOUR = 5


@dataclass(frozen=True)
class Service:
    name: str
    folder: str
    package: str
    prefix: str
    default_port: int
    env: Callable[[StackConfig, Path], dict[str, str]]

    def port(self, instance: int = 1) -> int:
        """Instance 1 answers on the configured port; instance n on that port + 10 (n - 1)."""
        first = int(os.environ.get(f"{self.prefix}HTTP_PORT", self.default_port))
        return first + INSTANCE_PORT_STEP * (instance - 1)

    def url(self, instance: int = 1) -> str:
        return f"http://127.0.0.1:{self.port(instance)}"

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
        "EMAILS_PER_ADDRESS_PER_HOUR": str(EMAILS_PER_ADDRESS_PER_HOUR),
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


def _pid_file(cfg: StackConfig, service: Service, instance: int = 1) -> Path:
    suffix = "" if instance == 1 else f"-{instance}"
    return cfg.dir("services") / f"{service.name}{suffix}.pid"


def _instances(cfg: StackConfig, service: Service) -> list[int]:
    """The instances of `service` that have a pid file, running or not."""
    found = [1] if _pid_file(cfg, service).exists() else []
    for pid_file in cfg.dir("services").glob(f"{service.name}-*.pid"):
        number = pid_file.stem.rsplit("-", 1)[1]
        if number.isdigit():
            found.append(int(number))
    return sorted(found)


def start(cfg: StackConfig, keys: Path) -> None:
    for service in ALL:
        if service.present():
            start_instance(cfg, keys, service)


def start_instance(cfg: StackConfig, keys: Path, service: Service, instance: int = 1) -> None:
    """Start one instance of `service` unless it runs, and wait until it is ready."""
    pid_file = _pid_file(cfg, service, instance)
    label = _label(service, instance)
    if read_pid(pid_file):
        print(f"{label:<16}already running on {service.url(instance)}")
        return
    env = {service.prefix + k: v for k, v in service.env(cfg, keys).items()}
    env[service.prefix + "KAFKA_BOOTSTRAP_SERVERS"] = cfg.kafka_bootstrap
    env[service.prefix + "HTTP_PORT"] = str(service.port(instance))
    env[service.prefix + "OPS_TOKEN"] = (keys / "ops-token").read_text().strip()
    log_file = cfg.dir("services") / f"{label}.log"
    spawn([sys.executable, "-m", service.package], pid_file, log_file, env=env)
    wait_until(lambda: ready(service, instance), label, 90, log_file)
    print(f"{label:<16}ready on {service.url(instance)}")


def kill(cfg: StackConfig, service: Service, instance: int = 1) -> bool:
    """SIGKILL one instance, as a crash would: no shutdown runs. False if it was not running."""
    pid = read_pid(_pid_file(cfg, service, instance))
    if pid is None:
        return False
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: read_pid(_pid_file(cfg, service, instance)) is None, "the kill", 10)
    return True


def stop_instance(cfg: StackConfig, service: Service, instance: int) -> bool:
    """Stop one instance cleanly (SIGTERM, as `make down` does)."""
    return stop(_pid_file(cfg, service, instance), _label(service, instance))


def _label(service: Service, instance: int) -> str:
    return service.name if instance == 1 else f"{service.name}-{instance}"


def ready(service: Service, instance: int = 1) -> bool:
    """Whether the instance's `/readyz` answers 200 now."""
    try:
        with urllib.request.urlopen(f"{service.url(instance)}/readyz", timeout=3) as reply:  # noqa: S310
            return bool(reply.status == 200)
    except OSError:
        return False


def stop_all(cfg: StackConfig) -> None:
    for service in reversed(ALL):
        for instance in reversed(_instances(cfg, service)):
            label = _label(service, instance)
            if stop(_pid_file(cfg, service, instance), label):
                print(f"{label:<16}stopped")


def status_rows(cfg: StackConfig) -> list[tuple[str, bool, str]]:
    return [
        (
            _label(s, n),
            read_pid(_pid_file(cfg, s, n)) is not None,
            s.url(n),
        )
        for s in ALL
        if s.present()
        for n in (_instances(cfg, s) or [1])
    ]
