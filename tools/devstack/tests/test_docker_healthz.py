"""The Python images' HEALTHCHECK asks each program where its own settings say it
listens: the same variables and the same defaults."""

from __future__ import annotations

import importlib.util
from types import ModuleType

import pytest

from frontdesk_devstack.docker.images import HEALTHZ
from frontdesk_identity.settings import IdentitySettings
from frontdesk_notifications.settings import NotificationsSettings
from frontdesk_registry.settings import RegistrySettings

SETTINGS = {
    "frontdesk_identity": IdentitySettings,
    "frontdesk_registry": RegistrySettings,
    "frontdesk_notifications": NotificationsSettings,
}


@pytest.fixture(scope="module")
def healthz() -> ModuleType:
    spec = importlib.util.spec_from_file_location("healthz", HEALTHZ)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("module", sorted(SETTINGS))
def test_a_service_is_asked_on_its_settings_port_and_prefix(
    healthz: ModuleType, module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = SETTINGS[module]
    prefix = str(settings.model_config["env_prefix"])
    default = settings.model_fields["http_port"].default
    monkeypatch.delenv(f"{prefix}HTTP_PORT", raising=False)
    monkeypatch.delenv(f"{prefix}HTTP_HOST", raising=False)

    assert healthz.url(module) == f"http://127.0.0.1:{default}/healthz"

    monkeypatch.setenv(f"{prefix}HTTP_PORT", "28181")
    monkeypatch.setenv(f"{prefix}HTTP_HOST", "0.0.0.0")  # noqa: S104 - answered on loopback
    assert healthz.url(module) == "http://127.0.0.1:28181/healthz"


def test_the_inbox_is_asked_its_health_page(
    healthz: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRONTDESK_DEVMAIL_HTTP_PORT", "28025")

    assert healthz.url("frontdesk_devmail") == "http://127.0.0.1:28025/api/health"


def test_an_unknown_program_is_unhealthy(healthz: ModuleType) -> None:
    assert healthz.running_module() not in healthz.PROGRAMS  # pytest's pid 1 runs none
    assert healthz.main() == 1
