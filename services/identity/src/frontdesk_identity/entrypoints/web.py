"""What every route needs from a request: the use cases' dependencies, the caller's IP
and the bearer token of an app call."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..domain.errors import NotAuthenticated
from ..service_layer.deps import Deps

_bearer = HTTPBearer(auto_error=False)


def get_deps(request: Request) -> Deps:
    """The dependencies the lifespan built."""
    deps: Deps = request.app.state.deps
    return deps


DepsDep = Annotated[Deps, Depends(get_deps)]


def client_ip(request: Request) -> str:
    """The caller's address: the peer, or the X-Forwarded-For client when the peer is a
    trusted proxy (FRONTDESK_IDENTITY_TRUSTED_PROXIES; `frontdesk_kit.edge`)."""
    return request.client.host if request.client else "unknown"


def bearer(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The bearer token of the request, or 401."""
    if credentials is None or not credentials.credentials:
        raise NotAuthenticated("send a bearer token in the Authorization header")
    return credentials.credentials
