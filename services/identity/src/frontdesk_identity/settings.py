"""Identity's settings, read from ``FRONTDESK_IDENTITY_*`` environment variables."""

from __future__ import annotations

import json

from pydantic import Field, FilePath, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from frontdesk_contracts import InvalidKey, decode_public_key
from frontdesk_kit import ServiceSettings
from frontdesk_kit.gateway import GatewaySettings


class IdentitySettings(ServiceSettings, GatewaySettings):
    """Everything identity needs to start; `load_settings` fails fast naming what to set."""

    model_config = SettingsConfigDict(env_prefix="FRONTDESK_IDENTITY_", extra="ignore", frozen=True)

    http_port: int = Field(default=18081, ge=0, le=65535)
    public_base_url: str = Field(
        default="http://127.0.0.1:18081", description="where identity's link pages are served"
    )

    signing_key_file: FilePath = Field(description="PEM Ed25519 private key for access tokens")
    signing_key_id: str = "identity-1"
    gateway_audience: str = Field(
        default="frontdesk-identity", description="the `aud` of the gateway's calls to identity"
    )
    sealing_public_keys: dict[str, str] | None = Field(
        default=None, description="notifications' sealing keys as JSON {key_id: base64}"
    )
    sealing_public_keys_file: FilePath | None = None
    sealing_key_id: str | None = Field(default=None, description="which key to seal to")
    token_digest_key: SecretStr | None = Field(
        default=None, description="HMAC key for one-time token digests (16+ characters)"
    )
    token_digest_key_file: FilePath | None = Field(
        default=None, description="file holding that key (dev: generated at first start)"
    )

    access_token_seconds: int = Field(default=900, ge=30)
    refresh_token_seconds: int = Field(default=30 * 24 * 3600, ge=60)
    create_login_link_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    reset_link_seconds: int = Field(default=3600, ge=60)
    verification_seconds: int = Field(default=15 * 60, ge=60)

    # OWASP's Password Storage Cheat Sheet, argon2id's first configuration: 19 MiB, 2
    # iterations, 1 lane. Stored hashes made with other values are redone at their next
    # successful login, so changing these needs no migration.
    argon2_time_cost: int = Field(default=2, ge=1, description="argon2id iterations")
    argon2_memory_kib: int = Field(default=19456, ge=8, description="argon2id memory, KiB")
    argon2_parallelism: int = Field(default=1, ge=1, description="argon2id lanes")
    password_min_length: int = Field(default=8, ge=8)
    password_max_length: int = Field(default=128, ge=64)

    emails_per_address_per_hour: int = Field(default=5, ge=1)
    emails_per_ip_per_hour: int = Field(default=20, ge=1)
    emails_per_studio_per_hour: int = Field(default=500, ge=1)
    login_free_failures: int = Field(default=3, ge=0)
    login_base_delay_seconds: float = Field(default=1.0, ge=0)
    login_max_delay_seconds: float = Field(default=300.0, ge=0)
    ip_login_failures_before_delay: int = Field(default=20, ge=1)
    uniform_response_seconds: float = Field(
        default=0.5, ge=0, description="forgot-password and signup answer after this long"
    )
    uniform_work_max_in_flight: int = Field(
        default=64,
        ge=1,
        description="forgot-password and signup work going on after the answer, at most; "
        "beyond, a new request waits for a slot before its work starts",
    )

    @field_validator("sealing_public_keys", mode="before")
    @classmethod
    def _parse_json(cls, value: object) -> object:
        return json.loads(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _sealing_keys_usable(self) -> IdentitySettings:
        self.current_sealing_key()  # fail at start, not at the first email
        self.digest_key()
        return self

    def digest_key(self) -> bytes:
        """The token-digest HMAC key, from the setting or its file."""
        if self.token_digest_key is not None:
            key = self.token_digest_key.get_secret_value()
        elif self.token_digest_key_file is not None:
            key = self.token_digest_key_file.read_text().strip()
        else:
            raise ValueError("set FRONTDESK_IDENTITY_TOKEN_DIGEST_KEY or _TOKEN_DIGEST_KEY_FILE")
        if len(key) < 16:
            raise ValueError("the token digest key needs at least 16 characters")
        return key.encode()

    def sealing_keys(self) -> dict[str, str]:
        """notifications' public sealing keys by id, from the setting or the file."""
        keys = self.sealing_public_keys
        if keys is None and self.sealing_public_keys_file is not None:
            keys = json.loads(self.sealing_public_keys_file.read_text())
        if not keys:
            raise ValueError(
                "set FRONTDESK_IDENTITY_SEALING_PUBLIC_KEYS or _SEALING_PUBLIC_KEYS_FILE"
            )
        for key_id, encoded in keys.items():
            try:
                decode_public_key(encoded)
            except InvalidKey as error:
                raise ValueError(f"sealing key {key_id!r}: {error}") from None
        return dict(keys)

    def current_sealing_key(self) -> tuple[str, str]:
        """The (key id, public key) new secrets are sealed to: the named one or the last."""
        keys = self.sealing_keys()
        key_id = self.sealing_key_id or sorted(keys)[-1]
        if key_id not in keys:
            raise ValueError(f"FRONTDESK_IDENTITY_SEALING_KEY_ID {key_id!r} is not a known key")
        return key_id, keys[key_id]

    def unsafe_in_production(self) -> list[str]:
        """Dev-only settings that production refuses."""
        problems = super().unsafe_in_production()
        if not self.public_base_url.startswith("https://"):
            problems.append("FRONTDESK_IDENTITY_PUBLIC_BASE_URL must be https")
        if self.argon2_memory_kib < 19456:
            problems.append("FRONTDESK_IDENTITY_ARGON2_MEMORY_KIB below OWASP's 19 MiB")
        return problems
