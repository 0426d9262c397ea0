"""Verifying identity's access tokens (the contract `frontdesk_contracts.access_token`).

A token is checked against identity's published key set (JWKS, fetched and cached) or a
configured PEM, with the contract's one algorithm, issuer and audience, then parsed as
`AccessTokenClaims`. Anything wrong (signature, issuer, audience, expiry, shape, claims
version) is the same `NotAuthenticated`, so a caller learns nothing about which check
failed. The token carries no email address: ownership of one is proven by the
SignupCompleted events the registry stores, never by the token.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack
from typing import Any, Protocol

import httpx
import jwt
from pydantic import ValidationError

from frontdesk_contracts import (
    ACCESS_TOKEN_ALGORITHM,
    ACCESS_TOKEN_AUDIENCE,
    ACCESS_TOKEN_ISSUER,
    AccessTokenClaims,
)
from frontdesk_kit.gateway import NotAuthenticated, load_public_key
from frontdesk_registry.settings import RegistrySettings


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
    """Checks identity's access tokens: signature, issuer, audience, expiry, claims."""

    def __init__(self, keys: KeySource) -> None:
        self._keys = keys

    async def verify(self, token: str) -> AccessTokenClaims:
        """The claims of a valid token; NotAuthenticated otherwise."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            claims = jwt.decode(
                token,
                await self._keys.key_for(kid),
                algorithms=[ACCESS_TOKEN_ALGORITHM],
                audience=ACCESS_TOKEN_AUDIENCE,
                issuer=ACCESS_TOKEN_ISSUER,
                options={"require": ["exp", "iat", "sub", "sid"]},
            )
            return AccessTokenClaims.model_validate(claims)
        except (jwt.PyJWTError, ValidationError) as error:
            raise NotAuthenticated("the access token is not valid") from error


async def identity_keys(settings: RegistrySettings, stack: AsyncExitStack) -> KeySource:
    """Identity's keys as the settings give them: a PEM file, else its JWKS (fetched with
    an HTTP client that `stack` closes when the service stops)."""
    if settings.identity_key_file is not None:
        return StaticKey(load_public_key(settings.identity_key_file))
    assert settings.identity_jwks_url is not None  # settings refuse neither being set
    http = await stack.enter_async_context(httpx.AsyncClient())
    return JwksKeys(settings.identity_jwks_url, http, settings.jwks_cache_seconds)
