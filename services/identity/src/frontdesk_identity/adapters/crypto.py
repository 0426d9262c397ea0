"""Keys and hashes: argon2id passwords, identity's access tokens (JWKS), and sealing
secrets to notifications."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
from argon2 import PasswordHasher as Argon2Hasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm
from pydantic import ValidationError

from frontdesk_contracts import (
    ACCESS_TOKEN_ALGORITHM,
    ACCESS_TOKEN_AUDIENCE,
    ACCESS_TOKEN_ISSUER,
    AccessTokenClaims,
    SealedSecret,
    decode_public_key,
    seal,
)

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

    def needs_rehash(self, stored: str) -> bool:
        """Whether `stored` was hashed with other argon2 parameters than these (argon2-cffi's
        `check_needs_rehash`): operators change the cost, logins upgrade the hashes."""
        return self._argon.check_needs_rehash(stored)

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


class AccessTokens:
    """Issues and verifies identity's short-lived access tokens: the claims of the
    contracts' `AccessTokenClaims`, signed with Ed25519 (the key published as a JWKS)."""

    def __init__(
        self,
        key: Ed25519PrivateKey,
        key_id: str,
        lifetime_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._key = key
        self._public: Ed25519PublicKey = key.public_key()
        self._key_id = key_id
        self._clock = clock
        self.lifetime_seconds = lifetime_seconds

    def issue(self, account_id: str, session_id: str) -> str:
        """A signed access token for `account_id` in session `session_id`."""
        now = int(self._clock())
        claims = AccessTokenClaims(
            iss=ACCESS_TOKEN_ISSUER,
            aud=ACCESS_TOKEN_AUDIENCE,
            sub=account_id,
            sid=session_id,
            iat=now,
            exp=now + self.lifetime_seconds,
            jti=uuid.uuid4(),
        )
        return jwt.encode(
            claims.model_dump(mode="json"),
            self._key,
            algorithm=ACCESS_TOKEN_ALGORITHM,
            headers={"kid": self._key_id},
        )

    def verify(self, token: str) -> AccessTokenClaims:
        """The claims of a valid token; `NotAuthenticated` otherwise."""
        try:
            claims = jwt.decode(
                token,
                self._public,
                algorithms=[ACCESS_TOKEN_ALGORITHM],
                audience=ACCESS_TOKEN_AUDIENCE,
                issuer=ACCESS_TOKEN_ISSUER,
                options={"require": ["exp", "sub", "sid"]},
            )
            return AccessTokenClaims.model_validate(claims)
        except (jwt.PyJWTError, ValidationError) as error:
            raise NotAuthenticated("the access token is not valid") from error

    def jwks(self) -> dict[str, Any]:
        """The public key set other services verify access tokens with."""
        jwk = json.loads(OKPAlgorithm.to_jwk(self._public))
        jwk.update({"kid": self._key_id, "use": "sig", "alg": ACCESS_TOKEN_ALGORITHM})
        return {"keys": [jwk]}


class Sealer:
    """Seals link tokens and codes to notifications' public key."""

    def __init__(self, key_id: str, public_key: str) -> None:
        self._key_id = key_id
        self._key = decode_public_key(public_key)

    def seal(self, secret: str) -> SealedSecret:
        """The sealed form of `secret`, safe to put in an event."""
        return seal(secret, self._key, self._key_id)
