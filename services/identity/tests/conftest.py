"""Unit-test fixtures: keys on disk and settings that need no server."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from frontdesk_contracts import KeyRing, generate_key_pair
from frontdesk_identity.adapters.crypto import Sealer
from frontdesk_identity.settings import IdentitySettings
from frontdesk_testing import write_key_pair
from frontdesk_testing.identity.fakes import FakeUnitsOfWork


@pytest.fixture
def key_folder(tmp_path: Path) -> Path:
    write_key_pair(tmp_path, "identity")
    write_key_pair(tmp_path, "gateway")
    return tmp_path


@pytest.fixture
def settings_values(key_folder: Path) -> dict[str, Any]:
    return {
        "environment": "test",
        "database_url": "postgresql://u:p@db.internal/identity",
        "kafka_bootstrap_servers": "kafka.internal:9092",
        "signing_key_file": key_folder / "identity-signing.pem",
        "gateway_public_key_file": key_folder / "gateway-public.pem",
        "sealing_public_keys": {"k1": generate_key_pair("k1").encoded_public_key()},
        "token_digest_key": "unit-test-token-digest-key",
    }


@pytest.fixture
def settings(settings_values: dict[str, Any]) -> IdentitySettings:
    return IdentitySettings(**settings_values)


@pytest.fixture
def fake_db() -> Any:
    return FakeUnitsOfWork()


@pytest.fixture
def deps(settings_values: dict[str, Any], fake_db: Any) -> Any:
    """The real use cases' dependencies, wired by bootstrap over the fake units of work."""
    from frontdesk_identity.bootstrap import bootstrap

    cheap = {"argon2_time_cost": 1, "argon2_memory_kib": 1024, "uniform_response_seconds": 0.05}
    return bootstrap(IdentitySettings(**{**settings_values, **cheap}), fake_db)


@pytest.fixture
def ring(deps: Any) -> KeyRing:
    """Notifications' private key, swapped in so the tests can open sealed tokens."""
    pair = generate_key_pair("k1")
    deps.sealer = Sealer("k1", pair.encoded_public_key())
    return KeyRing.of(pair)


@pytest.fixture(autouse=True)
def _settings_only_from_the_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests see the documented defaults, whatever the developer's shell exports."""
    for name in [n for n in os.environ if n.upper().startswith("FRONTDESK_IDENTITY_")]:
        monkeypatch.delenv(name)
