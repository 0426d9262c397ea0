"""Verifying identity's access tokens and the upstream gateway's admin assertions.

Both are EdDSA (Ed25519) JWTs. Access tokens are checked against identity's published
key set (JWKS, fetched and cached) or a configured PEM; gateway assertions against the
gateway's PEM. Anything wrong (signature, issuer, audience, expiry, shape) is the same
`NotAuthenticated`, so a caller learns nothing about which check failed.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
import jwt
from cryptography.hazmat.primitives import serialization


class NotAuthenticated(Exception):
    """The token or assertion is missing, malformed, expired or not ours."""


@dataclass(frozen=True)
class AccessClaims:
    """What a verified access token says about its bearer."""

    account_id: str
    issued_at: int
    verified_email: str | None


@dataclass(frozen=True)
class AdminClaims:
    """The gateway's word on who the admin is and which studios they administer."""

    admin_id: str
    studios: frozenset[str]
    studio_names: dict[str, str]

    def administers(self, studio_id: str) -> bool:
        """Whether the admin may act in `studio_id`."""
        return studio_id in self.studios


def load_public_key(path: Path) -> Any:
    """A public key from a PEM file; fails at start, with the path, when unreadable."""
    try:
        return serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as error:
        raise RuntimeError(f"cannot load the public key {path}: {error}") from error


class KeySource(Protocol):
    """Where access-token keys come from: a PEM file or identity's JWKS."""

    async def key_for(self, kid: str | None) -> Any:
        """The public key for key id `kid`; raises NotAuthenticated when unknown."""
        ...


class StaticKey:
    """One configured key (the PEM setting); it answers for every key id."""

    def __init__(self, key: Any) -> None:
        self._key = key

    async def key_for(self, kid: str | None) -> Any:
        """The configured key, whatever `kid` says."""
        return self._key


class JwksKeys:
    """identity's published key set, cached; an unknown key id refetches (rate-limited)
    so a key rotation is picked up without a restart."""

    def __init__(
        self,
        url: str,
        client: httpx.AsyncClient,
        cache_seconds: float,
        refetch_after: float = 10.0,
    ) -> None:
        self._url = url
        self._client = client
        self._cache_seconds = cache_seconds
        # Tokens with made-up key ids must not make us hammer identity: refetch at most
        # this often for an unknown kid.
        self._refetch_after = refetch_after
        self._keys: dict[str | None, Any] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def key_for(self, kid: str | None) -> Any:
        """The key with id `kid` (or the only key when the token names none)."""
        stale = time.monotonic() - self._fetched_at > self._cache_seconds
        if stale or kid not in self._keys:
            await self._refresh(min_age=0.0 if stale else self._refetch_after)
        if kid in self._keys:
            return self._keys[kid]
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        raise NotAuthenticated("unknown signing key")

    async def _refresh(self, min_age: float) -> None:
        async with self._lock:
            if time.monotonic() - self._fetched_at < min_age:
                return
            try:
                response = await self._client.get(self._url, timeout=5.0)
                response.raise_for_status()
                keys = jwt.PyJWKSet.from_dict(response.json()).keys
            except (httpx.HTTPError, ValueError, jwt.PyJWTError) as error:
                raise NotAuthenticated("identity's keys are not available") from error
            self._keys = {key.key_id: key.key for key in keys}
            self._fetched_at = time.monotonic()


class AccessTokenVerifier:
    """Checks identity's access tokens: EdDSA, issuer, audience, expiry, subject."""

    def __init__(self, keys: KeySource, issuer: str, audience: str) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience

    async def verify(self, token: str) -> AccessClaims:
        """The claims of a valid token; NotAuthenticated otherwise."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            claims = jwt.decode(
                token,
                await self._keys.key_for(kid),
                algorithms=["EdDSA"],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise NotAuthenticated("the access token is not valid") from error
        email = claims.get("email")
        proven = claims.get("email_verified") is True and isinstance(email, str)
        return AccessClaims(str(claims["sub"]), int(claims["iat"]), email if proven else None)


class GatewayVerifier:
    """Checks the upstream gateway's signed assertion on every admin request."""

    def __init__(self, key: Any, audience: str) -> None:
        self._key = key
        self._audience = audience

    def verify(self, assertion: str) -> AdminClaims:
        """The admin of a valid assertion; NotAuthenticated for any flaw."""
        try:
            claims = jwt.decode(
                assertion,
                self._key,
                algorithms=["EdDSA"],
                audience=self._audience,
                options={"require": ["exp", "sub", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise NotAuthenticated("the gateway assertion is not valid") from error
        studios = claims.get("studios")
        names = claims.get("studio_names") or {}
        if not isinstance(studios, list) or not isinstance(names, dict):
            raise NotAuthenticated("the gateway assertion is not valid")
        return AdminClaims(str(claims["sub"]), frozenset(map(str, studios)), names)
