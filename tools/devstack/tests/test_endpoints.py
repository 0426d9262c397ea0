"""`.local/stack.json`: every endpoint of the local stack, the three services included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from frontdesk_devstack.__main__ import endpoints, write_endpoints
from frontdesk_devstack.config import StackConfig

PORTS = {
    "FRONTDESK_KAFKA_PORT": "29092",
    "FRONTDESK_PG_PORT": "25432",
    "FRONTDESK_SMTP_PORT": "21025",
    "FRONTDESK_INBOX_PORT": "28025",
    "FRONTDESK_IDENTITY_HTTP_PORT": "28081",
    "FRONTDESK_REGISTRY_HTTP_PORT": "28082",
    "FRONTDESK_NOTIFICATIONS_HTTP_PORT": "28083",
}


@pytest.fixture
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StackConfig:
    """A stack under a temporary folder, every port moved from its default."""
    monkeypatch.setenv("FRONTDESK_STACK_DIR", str(tmp_path))
    for name, port in PORTS.items():
        monkeypatch.setenv(name, port)
    return StackConfig.from_env()


def test_stack_json_names_each_service_and_its_openapi(cfg: StackConfig) -> None:
    write_endpoints(cfg)
    found = json.loads((cfg.root / "stack.json").read_text())

    assert found["identity_url"] == "http://127.0.0.1:28081"
    assert found["identity_openapi_url"] == "http://127.0.0.1:28081/openapi.json"
    assert found["client_registry_url"] == "http://127.0.0.1:28082"
    assert found["client_registry_openapi_url"] == "http://127.0.0.1:28082/openapi.json"
    assert found["notifications_url"] == "http://127.0.0.1:28083"
    assert found["notifications_openapi_url"] == "http://127.0.0.1:28083/openapi.json"


def test_the_keys_tools_already_read_stay_as_they_were(cfg: StackConfig) -> None:
    found = endpoints(cfg)
    password = (cfg.root / "postgres" / "password").read_text().strip()

    assert found["kafka_bootstrap"] == "127.0.0.1:29092"
    assert found["postgres_dsn"] == f"postgresql://frontdesk:{password}@127.0.0.1:25432/postgres"
    assert found["smtp"] == "127.0.0.1:21025"
    assert found["inbox_url"] == "http://127.0.0.1:28025"
    assert found["keys_dir"] == str(cfg.root / "keys")
    assert all(isinstance(value, str) for value in found.values()), "tools read dict[str, str]"


def test_stack_json_is_readable_by_its_owner_only(cfg: StackConfig) -> None:
    write_endpoints(cfg)

    assert (cfg.root / "stack.json").stat().st_mode & 0o777 == 0o600  # it holds the password
