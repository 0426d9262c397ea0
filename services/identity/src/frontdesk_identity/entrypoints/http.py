"""The HTTP app: routes, problem bodies, request logs without secrets, the lifespan."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI, Request, Response

from frontdesk_kit import log_context

from . import admin_routes, app_routes, link_pages
from .problems import install_problem_handlers

log = logging.getLogger("frontdesk.identity.http")
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_app(lifespan: Lifespan | None = None) -> FastAPI:
    """The FastAPI app; `lifespan` (from bootstrap) builds and stops everything it uses."""
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
    return app


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
