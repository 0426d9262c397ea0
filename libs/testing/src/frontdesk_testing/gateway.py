"""A stand-in for the upstream gateway: it signs admin assertions as the real one does.

In production the platform's gateway signs, for every admin call, a short JWT naming the
admin and the studios they administer; identity and client-registry verify it with the
gateway's public key (`frontdesk_kit.gateway`). Tests and the local stack sign their own
with an Ed25519 key: a fresh one per test, or the stack's `.local/keys/gateway-signing.pem`.

    gateway = StandInGateway.load(keys_dir)
    headers = gateway.headers("admin-1", {"studio-1": "Studio One"}, audience=IDENTITY_AUDIENCE)

The claims: `sub` (the admin id), `studios` (the ids they administer), `studio_names`
({id: name}, for the names that are known), `aud` (the service the call is for), `iss`
(when the gateway was given an issuer), `iat` and `exp`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .keys import load_private_key, public_pem, write_key_pair

IDENTITY_AUDIENCE = "frontdesk-identity"
REGISTRY_AUDIENCE = "frontdesk-client-registry"
AUDIENCES = (IDENTITY_AUDIENCE, REGISTRY_AUDIENCE)
KEY_NAME = "gateway"  # the stack's files: gateway-signing.pem and gateway-public.pem

Studios = Mapping[str, str | None] | Iterable[str]


class StandInGateway:
    """Signs admin assertions with its own Ed25519 key (EdDSA), as the gateway would."""

    def __init__(self, key: Ed25519PrivateKey | None = None, *, issuer: str | None = None) -> None:
        """A gateway with `key` (a new one if none), putting `issuer` in `iss` when given."""
        self.key = key or Ed25519PrivateKey.generate()
        self.issuer = issuer

    @classmethod
    def load(cls, keys_dir: Path, *, issuer: str | None = None) -> StandInGateway:
        """The gateway whose key is `keys_dir/gateway-signing.pem` (the local stack's).

        OSError when the file is missing, ValueError when it is not an Ed25519 key.
        """
        return cls(load_private_key(keys_dir / f"{KEY_NAME}-signing.pem"), issuer=issuer)

    def save(self, keys_dir: Path) -> Path:
        """Write the key pair where the stack keeps it; the public key's path, for a
        service's `gateway_public_key_file` setting."""
        write_key_pair(keys_dir, KEY_NAME, self.key)
        return keys_dir / f"{KEY_NAME}-public.pem"

    def public_pem(self) -> bytes:
        """The public key a service verifies this gateway's assertions with."""
        return public_pem(self.key)

    def assertion(
        self,
        admin_id: str,
        studios: Studios,
        /,
        *,
        audience: str,
        lifetime_seconds: int = 300,
        **claims: Any,
    ) -> str:
        """A signed assertion that `admin_id` runs `studios`, for the service `audience`.

        `studios` is a list of ids or a {id: name or None} mapping. `claims` are added
        last and win: `exp=...`, `aud=...` or `studios=...` to forge a bad one,
        `sub=None` to leave a claim out. A negative `lifetime_seconds` gives one that has
        already expired.
        """
        named = dict(studios) if isinstance(studios, Mapping) else dict.fromkeys(studios)
        now = int(time.time())
        body: dict[str, Any] = {"sub": admin_id, "studios": list(named)}
        names = {studio: name for studio, name in named.items() if name}
        if names:
            body["studio_names"] = names
        body |= {"aud": audience, "iss": self.issuer}
        body |= {"iat": now, "exp": now + lifetime_seconds}
        body |= claims
        signed = {name: value for name, value in body.items() if value is not None}
        return jwt.encode(signed, self.key, algorithm="EdDSA")

    def headers(
        self,
        admin_id: str,
        studios: Studios,
        /,
        *,
        audience: str,
        lifetime_seconds: int = 300,
        **claims: Any,
    ) -> dict[str, str]:
        """The `Authorization` header of an admin call carrying `assertion(...)`."""
        token = self.assertion(
            admin_id, studios, audience=audience, lifetime_seconds=lifetime_seconds, **claims
        )
        return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class Admin:
    """A studio admin ({studio id: name or None}) whose calls go through `gateway`."""

    admin_id: str
    studios: Mapping[str, str | None]
    gateway: StandInGateway

    @property
    def studio_id(self) -> str:
        """The first of the admin's studios (most admins run one)."""
        return next(iter(self.studios))

    def headers(self, audience: str) -> dict[str, str]:
        """The `Authorization` header of this admin's call to the service `audience`."""
        return self.gateway.headers(self.admin_id, self.studios, audience=audience)

    def identity(self) -> dict[str, str]:
        """Headers of an admin call to identity."""
        return self.headers(IDENTITY_AUDIENCE)

    def registry(self) -> dict[str, str]:
        """Headers of an admin call to client-registry."""
        return self.headers(REGISTRY_AUDIENCE)
