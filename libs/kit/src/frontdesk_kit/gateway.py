"""The upstream gateway's admin assertions: one verifier, one set of rules, every service.

Studio admins reach Frontdesk only through the platform's gateway, which signs a short
JWT per request saying who the admin is and which studios they administer. A service
believes it only when:

- it is signed with the one algorithm the configured public key verifies (EdDSA for
  Ed25519, ES256 for P-256, RS256 for RSA); any other header algorithm, ``none``
  included, is refused before the signature is looked at (no algorithm confusion);
- its audience is this service's (`gateway_audience`), and its issuer the configured one
  when `gateway_issuer` is set;
- it has not expired, allowing `gateway_clock_skew_seconds` of clock difference;
- it has ``exp``, ``sub`` and ``aud``; ``studios`` is a list and ``studio_names`` (if
  any) an object.

Anything else is the same `NotAuthenticated` (401), so a caller learns nothing about
which check failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import Field, FilePath
from pydantic_settings import BaseSettings


class NotAuthenticated(Exception):
    """The credential is missing, malformed, expired or not meant for this service."""


@dataclass(frozen=True)
class AdminAssertion:
    """The gateway's word on who the admin is and which studios they administer."""

    admin_id: str
    studios: frozenset[str]
    studio_names: Mapping[str, str]

    def administers(self, studio_id: str) -> bool:
        """Whether the admin may act in `studio_id`."""
        return studio_id in self.studios

    def studio_name(self, studio_id: str) -> str:
        """The studio's display name as the gateway gave it, else its id."""
        return self.studio_names.get(studio_id, studio_id)


class GatewaySettings(BaseSettings):
    """The gateway settings of a service that has admin routes (mixed into its settings
    class, so the variables carry the service's prefix: FRONTDESK_IDENTITY_GATEWAY_...)."""

    gateway_public_key_file: FilePath = Field(
        description="PEM public key of the upstream gateway (Ed25519, EC P-256 or RSA)"
    )
    gateway_audience: str = Field(description="the `aud` the gateway puts in this service's calls")
    gateway_issuer: str | None = Field(
        default=None, description="the gateway's `iss`; checked when set"
    )
    gateway_clock_skew_seconds: float = Field(
        default=30.0, ge=0, le=300, description="clock difference allowed on `exp`"
    )


def load_public_key(path: Path) -> Any:
    """A public key from a PEM file; fails at start, naming the path, when unreadable."""
    try:
        return serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as error:
        raise RuntimeError(f"cannot load the public key {path}: {error}") from error


def signing_algorithm(public_key: Any) -> str:
    """The one JWT algorithm `public_key` verifies: EdDSA, ES256 (P-256) or RS256."""
    if isinstance(public_key, Ed25519PublicKey):
        return "EdDSA"
    if isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.name == "secp256r1":
        return "ES256"
    if isinstance(public_key, rsa.RSAPublicKey):
        return "RS256"
    raise ValueError("the gateway key must be Ed25519, EC P-256 or RSA")


class GatewayVerifier:
    """Checks the gateway's signed assertion on every admin request (rules: module doc)."""

    def __init__(
        self,
        public_key: Any,
        *,
        audience: str,
        issuer: str | None = None,
        leeway_seconds: float = 30.0,
    ) -> None:
        self._key = public_key
        self._algorithm = signing_algorithm(public_key)
        self._audience = audience
        self._issuer = issuer
        self._leeway = leeway_seconds

    @classmethod
    def from_settings(cls, settings: GatewaySettings) -> GatewayVerifier:
        """The verifier a service's settings describe."""
        return cls(
            load_public_key(settings.gateway_public_key_file),
            audience=settings.gateway_audience,
            issuer=settings.gateway_issuer,
            leeway_seconds=settings.gateway_clock_skew_seconds,
        )

    def verify(self, assertion: str) -> AdminAssertion:
        """The admin of a valid assertion; `NotAuthenticated` for any flaw."""
        required = ["exp", "sub", "aud"] + (["iss"] if self._issuer else [])
        try:
            claims = jwt.decode(
                assertion,
                self._key,
                algorithms=[self._algorithm],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": required},
            )
        except jwt.PyJWTError as error:
            raise NotAuthenticated("the gateway assertion is not valid") from error
        studios = claims.get("studios")
        names = claims.get("studio_names") or {}
        if not isinstance(studios, list) or not isinstance(names, dict):
            raise NotAuthenticated("the gateway assertion is not valid")
        return AdminAssertion(
            str(claims["sub"]),
            frozenset(map(str, studios)),
            {str(k): str(v) for k, v in names.items()},
        )


GATEWAY_SCHEME = HTTPBearer(
    scheme_name="gatewayAssertion",
    description="the upstream gateway's signed admin assertion (a JWT: sub, studios, aud, exp)",
    auto_error=False,
)


def require_admin(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(GATEWAY_SCHEME)],
) -> AdminAssertion:
    """FastAPI dependency: the admin the request's gateway assertion names, or 401."""
    if credentials is None or not credentials.credentials.strip():
        raise NotAuthenticated("admin calls need 'Authorization: Bearer <gateway assertion>'")
    verifier: GatewayVerifier | None = request.app.state.running.gateway
    if verifier is None:
        raise NotAuthenticated("this service takes no admin calls")
    return verifier.verify(credentials.credentials.strip())


AdminCaller = Annotated[AdminAssertion, Depends(require_admin)]
"""A route parameter of this type admits only admins with a valid gateway assertion."""
