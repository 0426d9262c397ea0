"""Settings shared by every service, read from the environment by pydantic-settings.

Each service subclasses `ServiceSettings` with its own prefix. `load_settings`
validates at start and fails fast with a message naming each variable to set.
Outside `dev`/`test`, settings that are only safe on a developer's machine are refused.
"""

from __future__ import annotations

import math
import ssl
from typing import Annotated, Any, Literal, TypeVar

from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512
from pydantic import (
    Field,
    FilePath,
    IPvAnyNetwork,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Environment = Literal["dev", "test", "prod"]
S = TypeVar("S", bound="ServiceSettings")
_DAY_MS = 24 * 60 * 60 * 1000
_SEGMENT_ROLL_DAYS = 7  # Kafka's default segment.ms: a record may outlive its retention so long


class SettingsError(SystemExit):
    """Settings are missing or unsafe; the message says what to set."""


class ServiceSettings(BaseSettings):
    """What every Frontdesk service needs: where its database and Kafka are, and how to log."""

    model_config = SettingsConfigDict(env_prefix="FRONTDESK_", extra="ignore", frozen=True)

    environment: Environment = "dev"
    database_url: str = Field(description="PostgreSQL DSN of this service's own database")
    kafka_bootstrap_servers: str = Field(description="comma-separated host:port list")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_SSL"] = "PLAINTEXT"
    kafka_ssl_cafile: FilePath | None = Field(
        default=None, description="CA bundle for the brokers' certificates (system CAs if unset)"
    )
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    ops_token: SecretStr | None = Field(
        default=None,
        min_length=32,
        description="bearer token of the /ops API (32+ characters); unset: /ops answers 503",
    )
    tracing_enabled: bool = Field(
        default=False,
        description="continue each consumed record's traceparent in an OpenTelemetry span",
    )
    trusted_proxies: Annotated[tuple[IPvAnyNetwork, ...], NoDecode] = Field(
        default=(),
        description="comma-separated addresses or CIDRs of the proxies in front (the "
        "gateway's); only their X-Forwarded-For is believed. Empty: nobody's is",
    )
    topic_prefix: str = Field(
        default="",
        pattern=r"^[a-z0-9._-]*$",
        description="prepended to every topic name; empty in production, unique per test run",
    )

    http_host: str = Field(default="127.0.0.1", description="address the HTTP API listens on")
    http_port: int = Field(default=8080, ge=0, le=65535, description="its port")
    relay_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        description="how often the outbox relay looks for records when no NOTIFY woke it",
    )

    http_max_in_flight: int = Field(
        default=256,
        ge=1,
        description="HTTP requests one instance works on at once; beyond, it answers 503 "
        "with Retry-After at once (health, readiness and metrics are always served)",
    )

    consumer_batch_records: int = Field(
        default=500,
        ge=1,
        le=10_000,
        description="the most records the consumer fetches and hands its handlers at once "
        "(a batch-capable handler applies one partition's share in one transaction)",
    )

    handled_events_retention_days: int = Field(
        default=45,
        description="how long the handled-event ledger remembers an event id; must outlast "
        "the longest replay the topics allow (their longest retention, plus the week a "
        "Kafka log segment may outlive it)",
    )

    @field_validator("handled_events_retention_days")
    @classmethod
    def _outlasts_replays(cls, days: int) -> int:
        from frontdesk_contracts import longest_replay_ms

        shortest = math.ceil(longest_replay_ms() / _DAY_MS) + _SEGMENT_ROLL_DAYS
        if days < shortest:
            raise ValueError(
                f"must be at least {shortest} days: a replay reaches back as far as the "
                "topics' longest retention plus a log segment, and an event whose id was "
                "forgotten would be handled again"
            )
        return days

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @model_validator(mode="after")
    def _sasl_complete(self) -> ServiceSettings:
        sasl = (self.kafka_sasl_mechanism, self.kafka_sasl_username, self.kafka_sasl_password)
        if self.kafka_security_protocol == "SASL_SSL" and None in sasl:
            raise ValueError(
                f"SASL_SSL needs {self.variable('kafka_sasl_mechanism')}, "
                "_KAFKA_SASL_USERNAME and _KAFKA_SASL_PASSWORD"
            )
        return self

    def kafka_client_options(self) -> dict[str, Any]:
        """Connection options for aiokafka's producer, consumer and admin client."""
        if self.kafka_security_protocol == "PLAINTEXT":
            return {}
        options: dict[str, Any] = {
            "security_protocol": self.kafka_security_protocol,
            "ssl_context": self._ssl_context(),
        }
        if self.kafka_security_protocol == "SASL_SSL":
            assert self.kafka_sasl_password is not None  # checked by _sasl_complete
            options |= {
                "sasl_mechanism": self.kafka_sasl_mechanism,
                "sasl_plain_username": self.kafka_sasl_username,
                "sasl_plain_password": self.kafka_sasl_password.get_secret_value(),
            }
        return options

    def faststream_security(self) -> BaseSecurity | None:
        """The same connection settings for FastStream's KafkaBroker(security=...)."""
        if self.kafka_security_protocol == "PLAINTEXT":
            return None
        context = self._ssl_context()
        if self.kafka_security_protocol == "SSL":
            return BaseSecurity(ssl_context=context)
        assert self.kafka_sasl_username is not None and self.kafka_sasl_password is not None
        kind = {
            "PLAIN": SASLPlaintext,
            "SCRAM-SHA-256": SASLScram256,
            "SCRAM-SHA-512": SASLScram512,
        }[self.kafka_sasl_mechanism or "PLAIN"]
        return kind(
            self.kafka_sasl_username,
            self.kafka_sasl_password.get_secret_value(),
            ssl_context=context,
        )

    def _ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(
            cafile=str(self.kafka_ssl_cafile) if self.kafka_ssl_cafile else None
        )

    @model_validator(mode="after")
    def _refuse_unsafe_outside_dev(self) -> ServiceSettings:
        if self.environment == "prod":
            problems = self.unsafe_in_production()
            if problems:
                raise ValueError("unsafe for production: " + "; ".join(problems))
        return self

    def unsafe_in_production(self) -> list[str]:
        """Reasons these settings are only fit for dev; services extend this list."""
        problems = []
        if self.kafka_security_protocol == "PLAINTEXT":
            problems.append(f"set {self.variable('kafka_security_protocol')} to SSL or SASL_SSL")
        if "127.0.0.1" in self.database_url or "localhost" in self.database_url:
            problems.append(f"{self.variable('database_url')} points at this machine")
        return problems

    def variable(self, field: str) -> str:
        """The environment variable of setting `field`, e.g. FRONTDESK_IDENTITY_OPS_TOKEN."""
        return str(self.model_config.get("env_prefix", "")).upper() + field.upper()


def load_settings(cls: type[S]) -> S:
    """Build `cls` from the environment or exit with a message naming what to set."""
    try:
        return cls()  # type: ignore[call-arg]  # pydantic-settings fills fields from the env
    except ValidationError as error:
        prefix = str(cls.model_config.get("env_prefix", ""))
        lines = [f"{cls.__name__}: the service cannot start with these settings:"]
        for problem in error.errors():
            name = "_".join(str(part) for part in problem["loc"]).upper()
            variable = f"{prefix}{name}" if name else "(settings)"
            lines.append(f"  {variable}: {problem['msg']}")
        raise SettingsError("\n".join(lines)) from None
