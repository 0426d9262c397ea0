"""RFC 9457 problem bodies: the one way every Frontdesk service answers an error.

Every problem's `type` is `PROBLEM_TYPE_BASE` + a kind (``not-found``, ``invalid-request``,
a service's own ``link-used``...), so a client tells errors apart by one rule in every
service. Validation errors list where and what (`FieldError`), never the input itself:
it may be a password.

A service passes its domain errors as `refusals` (error class → a function building the
problem); everything else is answered here the same way for all three services.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException

from .gateway import NotAuthenticated

PROBLEM_TYPE_BASE = "https://frontdesk.dev/problems/"
MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("frontdesk.http")

Describe = Callable[[Exception], JSONResponse]
"""A domain error → its problem response (see `problem`)."""


class FieldError(BaseModel):
    """One invalid part of a request: where (`loc`) and what is wrong (`msg`)."""

    loc: list[str | int]
    msg: str


class Problem(BaseModel):
    """An RFC 9457 problem body; some kinds carry more fields (e.g. `proposal_status`)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None
    retry_after: int | None = None


def problem(
    status: int,
    kind: str,
    title: str,
    detail: str,
    *,
    retry_after: float | None = None,
    errors: list[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem response. `retry_after` (seconds, rounded up to at least 1) is also the
    ``Retry-After`` header; a 401 says ``WWW-Authenticate: Bearer``."""
    answer = dict(headers or {})
    seconds = None if retry_after is None else max(1, round(retry_after))
    if seconds is not None:
        answer["Retry-After"] = str(seconds)
    if status == 401:
        answer.setdefault("WWW-Authenticate", "Bearer")
    body = Problem(
        type=PROBLEM_TYPE_BASE + kind,
        title=title,
        status=status,
        detail=detail,
        errors=errors,
        retry_after=seconds,
        **extra,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=answer,
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for these error statuses, each a problem body."""
    return {
        status: {"model": Problem, "content": {MEDIA_TYPE: {}}, "description": "A problem body."}
        for status in statuses
    }


def validation_problem(error: RequestValidationError) -> JSONResponse:
    """422 ``invalid-request``: each invalid part's location and message."""
    errors = [FieldError(loc=list(e["loc"]), msg=e["msg"]) for e in error.errors()]
    detail = "; ".join(f"{'.'.join(map(str, e.loc))}: {e.msg}" for e in errors)
    return problem(422, "invalid-request", "Invalid request", detail, errors=errors)


_HTTP_KINDS = {404: "not-found", 405: "method-not-allowed"}


def http_problem(error: HTTPException) -> JSONResponse:
    """Starlette's HTTP errors (unknown path, wrong method, a guard's 401/503)."""
    kind = _HTTP_KINDS.get(error.status_code, f"http-{error.status_code}")
    detail = str(error.detail)
    return problem(error.status_code, kind, detail, detail, headers=error.headers)


def install_problem_handlers(app: FastAPI, refusals: Mapping[type[Exception], Describe]) -> None:
    """Answer the service's `refusals`, a missing or bad credential (401), invalid
    requests (422), HTTP errors and bugs (500, logged by type only) with problem bodies."""
    for error_class, describe in refusals.items():
        app.add_exception_handler(error_class, _handler(describe))
    app.add_exception_handler(NotAuthenticated, _handler(_not_authenticated))
    app.add_exception_handler(RequestValidationError, _handler(_validation))
    app.add_exception_handler(HTTPException, _handler(_http))
    app.add_exception_handler(Exception, _handler(_bug))


def _handler(describe: Describe) -> Callable[[Request, Exception], Any]:
    async def handle(_: Request, error: Exception) -> JSONResponse:
        return describe(error)

    return handle


def _not_authenticated(error: Exception) -> JSONResponse:
    return problem(401, "not-authenticated", "Not authenticated", str(error))


def _validation(error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    return validation_problem(error)


def _http(error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    return http_problem(error)


def _bug(error: Exception) -> JSONResponse:
    # The type only: a message may quote input (a password, a token).
    log.error("unhandled error", extra={"error": type(error).__name__})
    return problem(500, "internal", "Internal error", "something went wrong on our side")
