"""Keys and hashes: argon2id passwords, identity's access tokens (JWKS), the gateway's
assertions, and sealing secrets to notifications."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from argon2 import PasswordHasher as Argon2Hasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm

from frontdesk_contracts import SealedSecret, decode_public_key, seal

from ..domain.errors import NotAuthenticated

# Verified against when the user is unknown, so "no such user" costs as long as a wrong
# password (no timing oracle on which usernames exist).
_DUMMY_PASSWORD = "not-a-real-password-just-for-timing"  # noqa: S105


class PasswordHasher:
    """argon2id hashing and verification, run in a worker thread off the event loop."""

    def __init__(self, time_cost: int, memory_kib: int, parallelism: int) -> None:
        self._argon = Argon2Hasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism
        )
        self._dummy = self._argon.hash(_DUMMY_PASSWORD)

    async def hash(self, password: str) -> str:
        """The argon2id hash (with its own salt and parameters) of `password`."""
        return await asyncio.to_thread(self._argon.hash, password)

    async def verify(self, stored: str | None, password: str) -> bool:
        """Whether `password` matches `stored`; spends the same time when there is none."""
        return await asyncio.to_thread(self._verify, stored, password)

    def _verify(self, stored: str | None, password: str) -> bool:
        try:
            self._argon.verify(stored or self._dummy, password)
        except (VerificationError, InvalidHashError):
            return False
        return stored is not None


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """An Ed25519 private key from a PEM file."""
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def load_public_key(path: Path) -> Any:
    """A public key (Ed25519, RSA or EC) from a PEM file."""
    return serialization.load_pem_public_key(path.read_bytes())


@dataclass(frozen=True)
class AccessClaims:
    """What a verified access token says."""

    account_id: str
    session_id: str
    issued_at: int


class AccessTokens:
    """Issues and verifies identity's short-lived access tokens (EdDSA JWTs)."""

    issuer = "frontdesk-identity"
    audience = "frontdesk"

    def __init__(self, key: Ed25519PrivateKey, key_id: str, lifetime_seconds: int) -> None:
        self._key = key
        self._public: Ed25519PublicKey = key.public_key()
        self._key_id = key_id
        self.lifetime_seconds = lifetime_seconds

    def issue(self, account_id: str, session_id: str) -> str:
        """A signed access token for `account_id` in session `session_id`."""
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": account_id,
            "sid": session_id,
            "iat": now,
            "exp": now + self.lifetime_seconds,
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(claims, self._key, algorithm="EdDSA", headers={"kid": self._key_id})

    def verify(self, token: str) -> AccessClaims:
        """The claims of a valid token; `NotAuthenticated` otherwise."""
        try:
            claims = jwt.decode(
                token,
                self._public,
                algorithms=["EdDSA"],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "sub", "sid"]},
            )
        except jwt.PyJWTError as error:
            raise NotAuthenticated("the access token is not valid") from error
        return AccessClaims(claims["sub"], claims["sid"], int(claims["iat"]))

    def jwks(self) -> dict[str, Any]:
        """The public key set other services verify access tokens with."""
        jwk = json.loads(OKPAlgorithm.to_jwk(self._public))
        jwk.update({"kid": self._key_id, "use": "sig", "alg": "EdDSA"})
        return {"keys": [jwk]}


@dataclass(frozen=True)
class AdminAssertion:
    """The gateway's word on who the admin is and which studios they administer."""

    admin_id: str
    studios: frozenset[str]
    studio_names: dict[str, str]

    def administers(self, studio_id: str) -> bool:
        """Whether the admin may act in `studio_id`."""
        return studio_id in self.studios

    def studio_name(self, studio_id: str) -> str:
        """The studio's display name as the gateway gave it, else its id."""
        return self.studio_names.get(studio_id, studio_id)


def signing_algorithm(public_key: Any) -> str:
    """The one JWT algorithm a public key verifies: EdDSA, ES256 (P-256) or RS256.

    Only that one is accepted: a token whose header names another algorithm is refused
    before its signature is looked at (no algorithm confusion, no crash on a key of the
    wrong kind)."""
    if isinstance(public_key, Ed25519PublicKey):
        return "EdDSA"
    if isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.name == "secp256r1":
        return "ES256"
    if isinstance(public_key, rsa.RSAPublicKey):
        return "RS256"
    raise ValueError("the gateway key must be Ed25519, EC P-256 or RSA")


class GatewayVerifier:
    """Checks the upstream gateway's signed assertion on every admin request."""

    def __init__(self, public_key: Any, audience: str, issuer: str | None = None) -> None:
        self._key = public_key
        self._algorithm = signing_algorithm(public_key)
        self._audience = audience
        self._issuer = issuer

    def verify(self, assertion: str) -> AdminAssertion:
        """The admin of a valid assertion; `NotAuthenticated` for a bad signature,
        audience, issuer or expiry."""
        try:
            claims = jwt.decode(
                assertion,
                self._key,
                algorithms=[self._algorithm],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "sub", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise NotAuthenticated("the gateway assertion is not valid") from error
        studios = claims.get("studios") or []
        names = claims.get("studio_names") or {}
        if not isinstance(studios, list) or not isinstance(names, dict):
            raise NotAuthenticated("the gateway assertion is not valid")
        return AdminAssertion(str(claims["sub"]), frozenset(map(str, studios)), names)


class Sealer:
    """Seals link tokens and codes to notifications' public key."""

    def __init__(self, key_id: str, public_key: str) -> None:
        self._key_id = key_id
        self._key = decode_public_key(public_key)

    def seal(self, secret: str) -> SealedSecret:
        """The sealed form of `secret`, safe to put in an event."""
        return seal(secret, self._key, self._key_id)
