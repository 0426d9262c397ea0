"""The notifications service's settings, read from ``FRONTDESK_NOTIFICATIONS_*``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from frontdesk_contracts import KeyRing
from frontdesk_kit import ServiceSettings


class Brand(BaseModel):
    """How one studio's emails look: an optional display name, colour and logo."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    colour: str | None = Field(default=None, pattern=r"^#[0-9A-Fa-f]{6}$")
    logo_url: str | None = Field(default=None, pattern=r"^https://\S+$")


class NotificationsSettings(ServiceSettings):
    """Everything the service needs; validated at start (`load_settings`)."""

    model_config = SettingsConfigDict(
        env_prefix="FRONTDESK_NOTIFICATIONS_", extra="ignore", frozen=True
    )

    http_port: int = Field(default=18083, ge=0, le=65535)

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=11025, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "tls"] = Field(
        default="none", description="plain SMTP, STARTTLS after connecting, or implicit TLS"
    )
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout: float = Field(default=10.0, gt=0)
    sender_address: str = "noreply@frontdesk.test"
    sender_name: str = "Frontdesk"
    message_id_domain: str = "frontdesk.test"

    sender_concurrency: int = Field(default=4, ge=1, le=256, description="SMTP connections")
    sender_batch: int = Field(default=20, ge=1, le=1000, description="rows one worker claims")
    sender_poll_interval: float = Field(default=0.5, gt=0)
    sender_lease_seconds: float = Field(
        default=30.0,
        gt=0,
        description="a claim's lease, renewed every third of it while held; a crashed "
        "instance's claimed messages are sent by another within it",
    )
    retry_max_attempts: int = Field(default=8, ge=1)
    retry_first_delay: float = Field(default=5.0, gt=0)
    retry_max_delay: float = Field(default=900.0, gt=0)

    rate_limit_per_recipient: int = Field(
        default=20, ge=1, description="most emails sent to one address per window"
    )
    rate_limit_window_seconds: int = Field(default=3600, ge=1)

    public_base_url: str = Field(default="http://127.0.0.1:18081", pattern=r"^https?://\S+$")
    create_login_path: str = "/links/create-login"
    reset_path: str = "/links/reset-password"
    verify_email_path: str = "/links/verify-email"
    sign_in_path: str = "/links/sign-in"

    sealing_private_keys: dict[str, SecretStr] = Field(
        default_factory=dict, description='JSON {"key id": "base64 X25519 private key"}'
    )
    sealing_private_keys_file: Path | None = Field(
        default=None, description="a JSON file of the same shape (e.g. .local/keys)"
    )
    studio_brands: dict[str, Brand] = Field(
        default_factory=dict, description='JSON {"studio id": {"name", "colour", "logo_url"}}'
    )

    @model_validator(mode="after")
    def _lease_outlasts_a_send(self) -> NotificationsSettings:
        # The lease is renewed just before each send; should renewals then fail (the
        # database is down), it must still outlast the send, or another instance could
        # claim and send the message while it is in flight.
        if self.sender_lease_seconds < 2 * self.smtp_timeout:
            raise ValueError(
                "FRONTDESK_NOTIFICATIONS_SENDER_LEASE_SECONDS must be at least twice "
                "FRONTDESK_NOTIFICATIONS_SMTP_TIMEOUT"
            )
        return self

    @model_validator(mode="after")
    def _keys_given(self) -> NotificationsSettings:
        if not self.sealing_private_keys and self.sealing_private_keys_file is None:
            raise ValueError(
                "set FRONTDESK_NOTIFICATIONS_SEALING_PRIVATE_KEYS or "
                "FRONTDESK_NOTIFICATIONS_SEALING_PRIVATE_KEYS_FILE"
            )
        return self

    def key_ring(self) -> KeyRing:
        """The private keys that open sealed tokens, by key id (old ones kept for rotation)."""
        keys = {
            key_id: value.get_secret_value() for key_id, value in self.sealing_private_keys.items()
        }
        if self.sealing_private_keys_file is not None:
            keys.update(json.loads(self.sealing_private_keys_file.read_text()))
        return KeyRing.from_encoded(keys)

    def unsafe_in_production(self) -> list[str]:
        """The kit's checks plus this service's: TLS to the SMTP server, https links."""
        problems = super().unsafe_in_production()
        prefix = "FRONTDESK_NOTIFICATIONS_"
        if self.smtp_security == "none":
            problems.append(f"set {prefix}SMTP_SECURITY to starttls or tls")
        if not self.public_base_url.startswith("https://"):
            problems.append(f"{prefix}PUBLIC_BASE_URL must be https")
        if self.smtp_username is not None and self.smtp_password is None:
            problems.append(f"set {prefix}SMTP_PASSWORD with {prefix}SMTP_USERNAME")
        return problems
