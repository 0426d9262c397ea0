"""The settings of client-registry, read from ``FRONTDESK_REGISTRY_*`` variables."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from frontdesk_kit import ServiceSettings
from frontdesk_kit.gateway import GatewaySettings

DEV_IDENTITY_PUBLIC_KEY = Path(".local/keys/identity-public.pem")
DEV_GATEWAY_PUBLIC_KEY = Path(".local/keys/gateway-public.pem")


class RegistrySettings(ServiceSettings, GatewaySettings):
    """Everything client-registry needs; validated at start, refused when unsafe in prod.

    Access tokens are identity's (issuer, audience and algorithm are the contract's,
    `frontdesk_contracts.access_token`); gateway assertions follow the kit's rules
    (`frontdesk_kit.gateway`, variables ``FRONTDESK_REGISTRY_GATEWAY_*``).
    """

    model_config = SettingsConfigDict(env_prefix="FRONTDESK_REGISTRY_", extra="ignore", frozen=True)

    http_port: int = Field(default=18082, ge=0, le=65535)

    identity_jwks_url: str | None = Field(
        default=None, description="identity's JWKS, e.g. http://identity/.well-known/jwks.json"
    )
    identity_public_key_file: Path | None = Field(
        default=None, description="PEM of identity's Ed25519 token key (instead of the JWKS)"
    )
    jwks_cache_seconds: float = Field(default=300.0, gt=0)

    # A Path, not the kit's FilePath: the dev default exists only once `make up` made the
    # keys; the key is read (and a missing file named) when the service starts.
    gateway_public_key_file: Path = Field(
        default=DEV_GATEWAY_PUBLIC_KEY,
        description="PEM public key of the upstream gateway (Ed25519, EC P-256 or RSA)",
    )
    gateway_audience: str = "frontdesk-client-registry"

    merge_proposal_lifetime: timedelta = Field(default=timedelta(days=30))
    expiry_sweep_seconds: float = Field(default=60.0, gt=0)

    @property
    def identity_key_file(self) -> Path | None:
        """The PEM to verify access tokens with; the dev key when neither source is set."""
        if self.identity_public_key_file is None and self.identity_jwks_url is None:
            return None if self.environment == "prod" else DEV_IDENTITY_PUBLIC_KEY
        return self.identity_public_key_file

    def unsafe_in_production(self) -> list[str]:
        """The kit's reasons plus ours: dev key files and plain-HTTP key sets."""
        problems = super().unsafe_in_production()
        if self.identity_key_file is None and self.identity_jwks_url is None:
            problems.append(
                "set FRONTDESK_REGISTRY_IDENTITY_JWKS_URL or "
                "FRONTDESK_REGISTRY_IDENTITY_PUBLIC_KEY_FILE"
            )
        if self.gateway_public_key_file == DEV_GATEWAY_PUBLIC_KEY:
            problems.append("FRONTDESK_REGISTRY_GATEWAY_PUBLIC_KEY_FILE is the dev key")
        if self.identity_public_key_file == DEV_IDENTITY_PUBLIC_KEY:
            problems.append("FRONTDESK_REGISTRY_IDENTITY_PUBLIC_KEY_FILE is the dev key")
        if self.identity_jwks_url is not None and not self.identity_jwks_url.startswith("https:"):
            problems.append("FRONTDESK_REGISTRY_IDENTITY_JWKS_URL must use https")
        return problems
