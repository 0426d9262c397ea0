"""RFC 9457 problem bodies for every error the HTTP API can answer with."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from frontdesk_registry.adapters.auth import NotAuthenticated
from frontdesk_registry.domain import errors

log = logging.getLogger("frontdesk.registry.http")

PROBLEM_TYPE = "https://frontdesk.dev/problems/"


class Problem(BaseModel):
    """An RFC 9457 problem body (application/problem+json); some carry extra fields."""

    type: str
    title: str
    status: int
    detail: str


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for these error statuses, all problem bodies."""
    return {
        status: {"model": Problem, "content": {"application/problem+json": {}}}
        for status in statuses
    }


_STATUS: dict[type[errors.DomainError], int] = {
    errors.ProposalNotFound: 404,
    errors.ClientNotFound: 404,
    errors.StudioNotFound: 404,
    errors.OwnershipNotProven: 403,
    errors.ProposalExpired: 410,
    errors.ProposalClosed: 409,
    errors.RecordMergedElsewhere: 409,
    errors.RecordNotFiledYet: 409,
}


def problem(status: int, slug: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    """A problem+json response."""
    body = {"type": PROBLEM_TYPE + slug, "title": title, "status": status, "detail": detail}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        {**body, **extra}, status_code=status, media_type="application/problem+json",
        headers=headers,
    )  # fmt: skip


def _slug(error: Exception) -> str:
    name = type(error).__name__
    return "".join("-" + c.lower() if c.isupper() else c for c in name).lstrip("-")


async def _domain(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, errors.DomainError)
    extra: dict[str, Any] = {}
    if isinstance(error, errors.ProposalClosed):
        extra = {"proposal_status": error.status, "reason": error.reason}
    if isinstance(error, errors.RecordMergedElsewhere):
        extra = {"reason": "record_merged_elsewhere"}
    status = _STATUS.get(type(error), 400)
    return problem(status, _slug(error), error.title, str(error), **extra)


async def _unauthenticated(_: Request, error: Exception) -> JSONResponse:
    return problem(401, "not-authenticated", "not authenticated", str(error))


async def _invalid(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = [
        {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in error.errors()
    ]
    return problem(422, "invalid-request", "invalid request", "the request is invalid",
                   errors=problems)  # fmt: skip


async def _http(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    title = str(error.detail) if error.detail else "error"
    return problem(error.status_code, "http-" + str(error.status_code), title, title)


async def _unexpected(_: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=error)
    return problem(500, "internal", "internal error", "something went wrong on our side")


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error as application/problem+json."""
    app.add_exception_handler(errors.DomainError, _domain)
    app.add_exception_handler(NotAuthenticated, _unauthenticated)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
