"""Unit-test fixtures for client-registry: keys, settings, and the real use cases wired
through bootstrap to the in-memory units of work (`frontdesk_testing.registry.fakes`).
No servers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from frontdesk_registry.bootstrap import bootstrap
from frontdesk_registry.service_layer.unit_of_work import Registry
from frontdesk_registry.settings import RegistrySettings
from frontdesk_testing import FakeClock, write_key_pair
from frontdesk_testing.registry.fakes import MemoryUnitsOfWork


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Any]:
    """Fresh Ed25519 key pairs for identity and the gateway, public halves as PEM files."""
    made: dict[str, Any] = {}
    for name in ("identity", "gateway"):
        made[name] = write_key_pair(tmp_path, name)
        made[f"{name}_pem"] = tmp_path / f"{name}-public.pem"
    return made


@pytest.fixture
def settings(keys: dict[str, Any]) -> RegistrySettings:
    """Settings good enough to build (not start) the app."""
    return RegistrySettings(
        environment="test",
        database_url="postgresql://u@db.invalid/registry",
        kafka_bootstrap_servers="kafka.invalid:9092",
        identity_public_key_file=keys["identity_pem"],
        gateway_public_key_file=keys["gateway_pem"],
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def units() -> MemoryUnitsOfWork:
    return MemoryUnitsOfWork()


@pytest.fixture
def registry(settings: RegistrySettings, units: MemoryUnitsOfWork, clock: FakeClock) -> Registry:
    """The real use cases wired to the in-memory units of work, through bootstrap."""
    return bootstrap(settings, units, clock)


@pytest.fixture(autouse=True)
def _settings_only_from_the_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests see the documented defaults, whatever the developer's shell exports."""
    for name in [n for n in os.environ if n.upper().startswith("FRONTDESK_REGISTRY_")]:
        monkeypatch.delenv(name)
