"""The HTTP app: routes, problem bodies, request logs without secrets, the lifespan."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager
from ipaddress import IPv4Network, IPv6Network
from typing import Any

from fastapi import FastAPI, Request, Response

from frontdesk_kit import log_context
from frontdesk_kit.edge import install_edge

from . import admin_routes, app_routes, link_pages
from .pages import page
from .problems import PROBLEM_TYPE_BASE, install_problem_handlers

log = logging.getLogger("frontdesk.identity.http")
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_app(
    lifespan: Lifespan | None = None,
    trusted_proxies: Iterable[IPv4Network | IPv6Network | str] = (),
) -> FastAPI:
    """The FastAPI app; `lifespan` (from bootstrap) builds and stops everything it uses.
    The client's address comes from X-Forwarded-For only from `trusted_proxies`."""
    app = FastAPI(
        title="Frontdesk identity",
        version="1.0.0",
        description="Accounts, logins, one-time links and sessions of Frontdesk. App calls "
        "use identity's access tokens; admin calls carry the upstream gateway's assertion "
        "(Authorization: Bearer, EdDSA JWT with sub, studios, aud).",
        lifespan=lifespan,
    )
    install_problem_handlers(app)
    app.include_router(app_routes.router)
    app.include_router(app_routes.keys_router)
    app.include_router(admin_routes.router)
    app.include_router(link_pages.router)
    app.middleware("http")(_log_request)
    install_edge(
        app,
        trusted_proxies=trusted_proxies,
        type_base=PROBLEM_TYPE_BASE,
        extra=_page_statuses,
        html_refusal=_refusal_page,
    )
    return app


def _refusal_page(path: str, status: int, title: str, detail: str) -> bytes | None:
    """A link-page form the guard refuses (a NUL, a huge body) still answers a page."""
    if not path.startswith("/links/"):
        return None
    sentence = f"{title}: {detail}. Go back to the page and try again."
    return bytes(page(title, sentence, status=status, error=True).body)


# Link pages answer refusals as pages: the statuses their use cases can refuse with,
# as the OpenAPI document says.
_PAGE_STATUSES = (400, 401, 403, 404, 409, 410, 422, 429)


def _page_statuses(path: str, method: str, operation: dict[str, Any]) -> Iterable[int]:
    return _PAGE_STATUSES if path.startswith("/links/") else ()


async def _log_request(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    # The path only: link pages carry their token in the query string, which never
    # reaches a log line (uvicorn's own access log is off for the same reason).
    started = time.monotonic()
    with log_context(request_id=request.headers.get("x-request-id", "")):
        response = await call_next(request)
        log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.url.path,
                "status": response.status_code,
                "ms": round((time.monotonic() - started) * 1000),
            },
        )
    return response
