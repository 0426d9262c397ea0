"""RFC 9457 problem bodies for every error the HTTP side answers."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from ..domain.errors import IdentityError, TooManyAttempts

PROBLEM_TYPE_BASE = "https://frontdesk.example/problems/"
MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("frontdesk.identity.http")


class Problem(BaseModel):
    """An RFC 9457 problem body."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, Any]] | None = None
    retry_after: int | None = None


def problem(
    status: int,
    kind: str,
    title: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
    retry_after: int | None = None,
) -> JSONResponse:
    """A problem response; `retry_after` (seconds) also goes in the `Retry-After` header."""
    if retry_after is not None:
        headers = {**(headers or {}), "Retry-After": str(retry_after)}
    body = Problem(
        type=PROBLEM_TYPE_BASE + kind,
        title=title,
        status=status,
        detail=detail,
        errors=errors,
        retry_after=retry_after,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=headers,
    )


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "content": {MEDIA_TYPE: {}}, "description": "A problem body."}
    for code in (400, 401, 404, 409, 410, 422, 429)
}


def install_problem_handlers(app: FastAPI) -> None:
    """Answer validation errors, HTTP errors, refusals and bugs with problem bodies."""

    async def on_identity_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, IdentityError)
        retry_after = None
        if isinstance(error, TooManyAttempts):
            retry_after = max(1, round(error.retry_after))
        return problem(error.status, error.kind, error.title, error.detail, retry_after=retry_after)

    async def on_validation(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        # Only where and what: the input itself may be a password, so never echo it.
        errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in error.errors()]
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors)
        return problem(422, "invalid-request", "Invalid request", detail, errors=errors)

    async def on_http(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, HTTPException)
        kind = {404: "not-found", 405: "method-not-allowed"}.get(error.status_code, "http-error")
        return problem(error.status_code, kind, str(error.detail), str(error.detail))

    async def on_bug(_: Request, error: Exception) -> JSONResponse:
        log.error("unhandled error", extra={"error": type(error).__name__})
        return problem(500, "internal", "Internal error", "something went wrong on our side")

    app.add_exception_handler(IdentityError, on_identity_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(Exception, on_bug)
