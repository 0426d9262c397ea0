"""Settings: read from FRONTDESK_REGISTRY_*, fail fast, refuse dev shortcuts in prod."""

from __future__ import annotations

import pytest

from frontdesk_kit import SettingsError, load_settings
from frontdesk_registry.settings import DEV_IDENTITY_PUBLIC_KEY, RegistrySettings


def test_defaults_and_the_environment_prefix(monkeypatch):
    monkeypatch.setenv("FRONTDESK_REGISTRY_DATABASE_URL", "postgresql://u@127.0.0.1/r")
    monkeypatch.setenv("FRONTDESK_REGISTRY_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    monkeypatch.setenv("FRONTDESK_REGISTRY_MERGE_PROPOSAL_LIFETIME", "P2D")
    settings = load_settings(RegistrySettings)
    assert settings.http_port == 18082
    assert settings.merge_proposal_lifetime.days == 2
    assert settings.identity_key_file == DEV_IDENTITY_PUBLIC_KEY
    assert settings.gateway_audience == "frontdesk-client-registry"


def test_missing_settings_name_the_variable_to_set(monkeypatch):
    monkeypatch.delenv("FRONTDESK_REGISTRY_DATABASE_URL", raising=False)
    with pytest.raises(SettingsError, match="FRONTDESK_REGISTRY_DATABASE_URL"):
        load_settings(RegistrySettings)


def test_production_refuses_dev_keys_plain_kafka_and_no_identity_keys():
    with pytest.raises(ValueError) as refused:
        RegistrySettings(
            environment="prod", database_url="postgresql://u@db/r",
            kafka_bootstrap_servers="kafka:9092",
        )  # fmt: skip
    message = str(refused.value)
    assert "IDENTITY_JWKS_URL" in message


def test_production_refuses_an_http_jwks_and_the_dev_gateway_key():
    with pytest.raises(ValueError) as refused:
        RegistrySettings(
            environment="prod", database_url="postgresql://u@db/r",
            kafka_bootstrap_servers="kafka:9092", kafka_security_protocol="SSL",
            identity_jwks_url="http://identity/.well-known/jwks.json",
        )  # fmt: skip
    message = str(refused.value)
    assert "must use https" in message
    assert "GATEWAY_PUBLIC_KEY_FILE is the dev key" in message
    assert "IDENTITY_PUBLIC_KEY_FILE" not in message  # the JWKS is a key source
