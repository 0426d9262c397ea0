"""Who is calling: the app's access token, or the gateway's admin assertion."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Header, Request

from frontdesk_registry import handlers
from frontdesk_registry.adapters.auth import AccessClaims, AdminClaims, NotAuthenticated


def registry(request: Request) -> handlers.Registry:
    """The use cases' dependencies, built by bootstrap in the lifespan."""
    built: handlers.Registry = request.app.state.registry
    return built


Deps = Annotated[handlers.Registry, Depends(registry)]


async def current_account(
    request: Request,
    reg: Deps,
    authorization: Annotated[str | None, Header(description="Bearer <access token>")] = None,
) -> AccessClaims:
    """The account of a valid, unrevoked identity access token; 401 otherwise."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise NotAuthenticated("send identity's access token as 'Authorization: Bearer ...'")
    claims = await request.app.state.access_tokens.verify(token.strip())
    issued = datetime.fromtimestamp(claims.issued_at, UTC)
    if await handlers.token_revoked(reg, claims.account_id, issued):
        raise NotAuthenticated("the access token was revoked")
    return claims  # type: ignore[no-any-return]


def current_admin(
    request: Request,
    authorization: Annotated[
        str | None, Header(description="Bearer <the upstream gateway's signed assertion>")
    ] = None,
) -> AdminClaims:
    """The admin named by a valid gateway assertion (as in identity); 401 otherwise."""
    scheme, _, assertion = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not assertion.strip():
        raise NotAuthenticated("admin calls need 'Authorization: Bearer <gateway assertion>'")
    return request.app.state.gateway.verify(assertion.strip())  # type: ignore[no-any-return]


Account = Annotated[AccessClaims, Depends(current_account)]
Admin = Annotated[AdminClaims, Depends(current_admin)]
