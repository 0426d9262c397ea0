"""Settings fail fast and refuse unsafe production values; the committed OpenAPI matches."""

from __future__ import annotations

import json

import pytest

from frontdesk_contracts import generate_key_pair
from frontdesk_kit import SettingsError, load_settings
from frontdesk_notifications import openapi
from frontdesk_notifications.settings import NotificationsSettings

PAIR = generate_key_pair("k1")
KEYS = json.dumps({"k1": PAIR.encoded_private_key().reveal()})


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FRONTDESK_NOTIFICATIONS_DATABASE_URL", "postgresql://db.internal/n")
    monkeypatch.setenv("FRONTDESK_NOTIFICATIONS_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    monkeypatch.setenv("FRONTDESK_NOTIFICATIONS_SEALING_PRIVATE_KEYS", KEYS)
    return monkeypatch


def test_settings_from_the_environment_with_defaults(env):
    settings = load_settings(NotificationsSettings)
    assert settings.http_port == 18083
    assert settings.key_ring().key_ids == ("k1",)
    assert "SecretStr" in repr(settings.sealing_private_keys) or "**" in repr(settings)


def test_missing_keys_fail_fast_naming_the_variable(env):
    env.delenv("FRONTDESK_NOTIFICATIONS_SEALING_PRIVATE_KEYS")
    with pytest.raises(SettingsError, match="SEALING_PRIVATE_KEYS"):
        load_settings(NotificationsSettings)


def test_the_senders_lease_is_short_and_must_outlast_a_send(env):
    settings = load_settings(NotificationsSettings)
    assert (settings.sender_lease_seconds, settings.smtp_timeout) == (30.0, 10.0)
    env.setenv("FRONTDESK_NOTIFICATIONS_SENDER_LEASE_SECONDS", "15")
    with pytest.raises(SettingsError, match="SENDER_LEASE_SECONDS"):
        load_settings(NotificationsSettings)
    env.setenv("FRONTDESK_NOTIFICATIONS_SMTP_TIMEOUT", "7.5")
    assert load_settings(NotificationsSettings).sender_lease_seconds == 15.0


def test_keys_can_come_from_a_file(env, tmp_path):
    env.delenv("FRONTDESK_NOTIFICATIONS_SEALING_PRIVATE_KEYS")
    path = tmp_path / "sealing-private.json"
    path.write_text(KEYS)
    env.setenv("FRONTDESK_NOTIFICATIONS_SEALING_PRIVATE_KEYS_FILE", str(path))
    assert load_settings(NotificationsSettings).key_ring().key_ids == ("k1",)


def test_production_refuses_plain_smtp_and_http_links(env):
    env.setenv("FRONTDESK_NOTIFICATIONS_ENVIRONMENT", "prod")
    env.setenv("FRONTDESK_NOTIFICATIONS_KAFKA_SECURITY_PROTOCOL", "SSL")
    with pytest.raises(SettingsError) as refused:
        load_settings(NotificationsSettings)
    assert "SMTP_SECURITY" in str(refused.value) and "PUBLIC_BASE_URL" in str(refused.value)
    env.setenv("FRONTDESK_NOTIFICATIONS_SMTP_SECURITY", "starttls")
    env.setenv("FRONTDESK_NOTIFICATIONS_PUBLIC_BASE_URL", "https://app.example.com")
    assert load_settings(NotificationsSettings).environment == "prod"


def test_the_committed_openapi_document_matches_the_app():
    committed = openapi.DOCUMENT.path.read_text()
    assert committed == openapi.DOCUMENT.render(), "run python -m frontdesk_notifications.openapi"
