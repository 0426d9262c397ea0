"""RFC 9457 problem bodies for every error the HTTP API answers, validation included."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("frontdesk.notifications.http")


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    """A problem response (`type` is about:blank: the status says it all)."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def install_problem_handlers(app: FastAPI) -> None:
    """Answer HTTP errors, validation errors and crashes with problem bodies."""

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, error: HTTPException) -> JSONResponse:
        title = {400: "Bad request", 404: "Not found", 405: "Method not allowed"}.get(
            error.status_code, "Error"
        )
        return problem(error.status_code, title, str(error.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"location": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
            for e in error.errors()
        ]
        return problem(422, "Invalid request", "the request does not match the API", errors=errors)

    @app.exception_handler(Exception)
    async def crashed(_: Request, error: Exception) -> JSONResponse:
        log.exception("request failed")
        return problem(500, "Internal error", "the service could not answer; try again later")
