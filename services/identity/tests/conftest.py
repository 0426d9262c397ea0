"""Unit-test fixtures: keys on disk and settings that need no server."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from frontdesk_contracts import generate_key_pair
from frontdesk_identity.settings import IdentitySettings


def write_key_pair(folder: Path, name: str) -> Ed25519PrivateKey:
    """An Ed25519 pair as PEM files `<name>-signing.pem` and `<name>-public.pem`."""
    key = Ed25519PrivateKey.generate()
    (folder / f"{name}-signing.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (folder / f"{name}-public.pem").write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return key


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


def _load_fakes() -> Any:
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(
        "identity_fakes", Path(__file__).with_name("fakes.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["identity_fakes"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


fakes = _load_fakes()


@pytest.fixture
def fake_db() -> Any:
    return fakes.FakeDatabase()


@pytest.fixture
def deps(settings_values: dict[str, Any], fake_db: Any) -> Any:
    """The real handlers' dependencies, wired by bootstrap over the fake database."""
    from frontdesk_identity.bootstrap import build_deps

    cheap = {"argon2_time_cost": 1, "argon2_memory_kib": 1024, "uniform_response_seconds": 0.05}
    return build_deps(IdentitySettings(**{**settings_values, **cheap}), fake_db)


@pytest.fixture(autouse=True)
def _settings_only_from_the_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests see the documented defaults, whatever the developer's shell exports."""
    for name in [n for n in os.environ if n.upper().startswith("FRONTDESK_IDENTITY_")]:
        monkeypatch.delenv(name)
