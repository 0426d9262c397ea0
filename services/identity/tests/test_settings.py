"""Settings fail fast and refuse what is only safe on a developer's machine."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from frontdesk_contracts import generate_key_pair
from frontdesk_identity.settings import IdentitySettings
from frontdesk_kit import SettingsError, load_settings


def test_defaults_are_the_documented_ones(settings):
    assert settings.http_port == 18081
    assert settings.public_base_url == "http://127.0.0.1:18081"
    assert settings.create_login_link_seconds == 7 * 24 * 3600
    assert settings.reset_link_seconds == 3600
    assert settings.verification_seconds == 15 * 60
    assert settings.emails_per_address_per_hour == 5
    assert (settings.password_min_length, settings.password_max_length) == (8, 128)


def test_missing_settings_name_the_variables_to_set(monkeypatch):
    for name in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "SIGNING_KEY_FILE"):
        monkeypatch.delenv(f"FRONTDESK_IDENTITY_{name}", raising=False)
    with pytest.raises(SettingsError) as raised:
        load_settings(IdentitySettings)
    assert "FRONTDESK_IDENTITY_DATABASE_URL" in str(raised.value)
    assert "FRONTDESK_IDENTITY_SIGNING_KEY_FILE" in str(raised.value)


def test_production_refuses_dev_only_settings(settings_values):
    with pytest.raises(ValidationError) as raised:
        IdentitySettings(**{**settings_values, "environment": "prod"})
    text = str(raised.value)
    assert "FRONTDESK_IDENTITY_PUBLIC_BASE_URL must be https" in text
    assert "KAFKA_SECURITY_PROTOCOL" in text


def test_production_accepts_safe_settings(settings_values):
    safe = IdentitySettings(
        **{
            **settings_values,
            "environment": "prod",
            "token_digest_key": "a-long-random-production-secret",
            "public_base_url": "https://id.example.com",
            "kafka_security_protocol": "SSL",
        }
    )
    assert safe.environment == "prod"


def test_the_token_digest_key_can_come_from_a_file(settings_values, tmp_path):
    keyfile = tmp_path / "digest.key"
    keyfile.write_text("a-key-generated-at-first-start\n")
    from_file = IdentitySettings(
        **{**settings_values, "token_digest_key": None, "token_digest_key_file": keyfile}
    )
    assert from_file.digest_key() == b"a-key-generated-at-first-start"


def test_sealing_keys_come_from_json_or_a_file(settings_values, tmp_path):
    pair = generate_key_pair("k2")
    from_json = IdentitySettings(
        **{**settings_values, "sealing_public_keys": json.dumps({"k2": pair.encoded_public_key()})}
    )
    assert from_json.current_sealing_key() == ("k2", pair.encoded_public_key())
    keyfile = tmp_path / "sealing-public.json"
    keyfile.write_text(json.dumps({"k2": pair.encoded_public_key()}))
    from_file = IdentitySettings(
        **{**settings_values, "sealing_public_keys": None, "sealing_public_keys_file": keyfile}
    )
    assert from_file.sealing_keys() == {"k2": pair.encoded_public_key()}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sealing_public_keys": None}, "SEALING_PUBLIC_KEYS"),
        ({"sealing_public_keys": {"k": "nope!"}}, "base64"),
        ({"sealing_key_id": "k9"}, "not a known key"),
        ({"signing_key_file": "/no/such/key.pem"}, "does not point to a file"),
        ({"token_digest_key": None}, "TOKEN_DIGEST_KEY"),
        ({"token_digest_key": "too-short"}, "at least 16 characters"),
    ],
)
def test_unusable_keys_stop_the_service_at_start(settings_values, change, message):
    with pytest.raises(ValidationError, match=message):
        IdentitySettings(**{**settings_values, **change})
