"""Who is calling the app's routes (identity's access token), and what every route is
handed: the `Services` bootstrap built (``app.state.deps``). Admin routes take the kit's
`AdminCaller` instead: the upstream gateway's assertion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from frontdesk_kit.gateway import NotAuthenticated
from frontdesk_registry.adapters.access_tokens import AccessTokenVerifier
from frontdesk_registry.service_layer.accounts import token_revoked
from frontdesk_registry.service_layer.unit_of_work import Registry


@dataclass(frozen=True)
class Services:
    """What the routes use: the use cases' dependencies and identity's token verifier."""

    registry: Registry
    access_tokens: AccessTokenVerifier


def services(request: Request) -> Services:
    """The `Services` of the running app (built when it started)."""
    built: Services = request.app.state.deps
    return built


def registry(request: Request) -> Registry:
    """The use cases' dependencies."""
    return services(request).registry


Deps = Annotated[Registry, Depends(registry)]

ACCESS_TOKEN_SCHEME = HTTPBearer(
    scheme_name="accessToken",
    description="identity's access token (a JWT; claims: frontdesk_contracts.access_token)",
    auto_error=False,
)


async def current_account(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(ACCESS_TOKEN_SCHEME)],
) -> str:
    """The account id of a valid, unrevoked identity access token; 401 otherwise."""
    if credentials is None or not credentials.credentials.strip():
        raise NotAuthenticated("send identity's access token as 'Authorization: Bearer ...'")
    found = services(request)
    claims = await found.access_tokens.verify(credentials.credentials.strip())
    if await token_revoked(found.registry, claims.sub, datetime.fromtimestamp(claims.iat, UTC)):
        raise NotAuthenticated("the access token was revoked")
    return claims.sub


AccountId = Annotated[str, Depends(current_account)]
"""A route parameter of this type is the calling account's id (its token verified)."""
