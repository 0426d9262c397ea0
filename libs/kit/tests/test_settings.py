"""load_settings: a service's settings from its prefixed environment, refused with what to set."""

from __future__ import annotations

import os

import pytest
from pydantic_settings import SettingsConfigDict

from frontdesk_kit import ServiceSettings, SettingsError, load_settings

PREFIX = "FRONTDESK_IDENTITY_"
SAFE = {
    "DATABASE_URL": "postgresql://identity@db.internal:5432/identity",
    "KAFKA_BOOTSTRAP_SERVERS": "kafka-1.internal:9093,kafka-2.internal:9093",
    "KAFKA_SECURITY_PROTOCOL": "SSL",
    "SMTP_HOST": "smtp.internal",
}


class IdentitySettings(ServiceSettings):
    """What a service adds: its own prefix and a required setting of its own."""

    model_config = SettingsConfigDict(env_prefix=PREFIX)

    smtp_host: str


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """An environment with every FRONTDESK_IDENTITY_ variable set to a production-safe value."""
    for name in [name for name in os.environ if name.upper().startswith(PREFIX)]:
        monkeypatch.delenv(name)
    for name, value in SAFE.items():
        monkeypatch.setenv(PREFIX + name, value)
    return monkeypatch


def test_settings_come_from_the_prefixed_environment(env: pytest.MonkeyPatch) -> None:
    """Each field reads PREFIX + its name; unset ones keep their defaults."""
    settings = load_settings(IdentitySettings)

    assert settings.database_url == SAFE["DATABASE_URL"]
    assert settings.kafka_bootstrap_servers == SAFE["KAFKA_BOOTSTRAP_SERVERS"]
    assert settings.smtp_host == "smtp.internal"
    assert (settings.environment, settings.log_level) == ("dev", "INFO")


def test_missing_settings_are_named_with_their_full_variable(env: pytest.MonkeyPatch) -> None:
    """One message lists every missing variable, prefix included, so one restart fixes all."""
    for name in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "SMTP_HOST"):
        env.delenv(PREFIX + name)

    with pytest.raises(SettingsError) as refused:
        load_settings(IdentitySettings)

    message = str(refused.value)
    assert message.startswith("IdentitySettings: the service cannot start")
    for name in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "SMTP_HOST"):
        assert f"{PREFIX}{name}: Field required" in message


def test_an_invalid_value_names_its_variable(env: pytest.MonkeyPatch) -> None:
    """A value outside the allowed set is refused with the variable and the allowed values."""
    env.setenv(PREFIX + "ENVIRONMENT", "production")

    with pytest.raises(SettingsError) as refused:
        load_settings(IdentitySettings)

    assert f"{PREFIX}ENVIRONMENT: Input should be 'dev', 'test' or 'prod'" in str(refused.value)


def test_prod_accepts_safe_settings(env: pytest.MonkeyPatch) -> None:
    """TLS Kafka and a remote database are fine in production."""
    env.setenv(PREFIX + "ENVIRONMENT", "prod")

    assert load_settings(IdentitySettings).environment == "prod"


@pytest.mark.parametrize(
    ("name", "value", "advice"),
    [
        ("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT", "KAFKA_SECURITY_PROTOCOL to SSL or SASL_SSL"),
        ("DATABASE_URL", "postgresql://identity@localhost/identity", "DATABASE_URL points at"),
        ("DATABASE_URL", "postgresql://identity@127.0.0.1/identity", "DATABASE_URL points at"),
    ],
)
def test_prod_refuses_settings_only_safe_on_a_laptop(
    env: pytest.MonkeyPatch, name: str, value: str, advice: str
) -> None:
    """Plaintext Kafka or a local database in prod: refused, saying what to change."""
    env.setenv(PREFIX + "ENVIRONMENT", "prod")
    env.setenv(PREFIX + name, value)

    with pytest.raises(SettingsError) as refused:
        load_settings(IdentitySettings)

    assert "unsafe for production" in str(refused.value)
    assert advice in str(refused.value)


@pytest.mark.parametrize("environment", [None, "dev", "test"])
def test_dev_and_test_accept_laptop_settings(
    env: pytest.MonkeyPatch, environment: str | None
) -> None:
    """The local stack runs plaintext Kafka and PostgreSQL on localhost."""
    if environment is not None:
        env.setenv(PREFIX + "ENVIRONMENT", environment)
    env.setenv(PREFIX + "KAFKA_SECURITY_PROTOCOL", "PLAINTEXT")
    env.setenv(PREFIX + "DATABASE_URL", "postgresql://identity@localhost/identity")

    settings = load_settings(IdentitySettings)

    assert settings.kafka_security_protocol == "PLAINTEXT"


def test_the_production_refusal_names_the_full_variable(env: pytest.MonkeyPatch) -> None:
    """An operator following the message sets the variable the service actually reads."""
    env.setenv(PREFIX + "ENVIRONMENT", "prod")
    env.setenv(PREFIX + "KAFKA_SECURITY_PROTOCOL", "PLAINTEXT")

    with pytest.raises(SettingsError) as refused:
        load_settings(IdentitySettings)

    assert f"{PREFIX}KAFKA_SECURITY_PROTOCOL" in str(refused.value)


def test_the_handled_event_ledger_outlasts_the_longest_replay(env: pytest.MonkeyPatch) -> None:
    """45 days by default; below the topics' longest retention plus a log segment (37 days)
    an event could be replayed after its id was forgotten, and handled twice: refused."""
    assert load_settings(IdentitySettings).handled_events_retention_days == 45
    env.setenv(PREFIX + "HANDLED_EVENTS_RETENTION_DAYS", "37")
    assert load_settings(IdentitySettings).handled_events_retention_days == 37
    env.setenv(PREFIX + "HANDLED_EVENTS_RETENTION_DAYS", "36")

    with pytest.raises(SettingsError) as refused:
        load_settings(IdentitySettings)

    assert f"{PREFIX}HANDLED_EVENTS_RETENTION_DAYS" in str(refused.value)
    assert "at least 37 days" in str(refused.value)
