"""Errors as RFC 9457 problem details on /api, and as a plain page in the inbox."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"


def problem(status: int, detail: str, **extensions: Any) -> JSONResponse:
    """An ``application/problem+json`` response with type, title, status and detail."""
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extensions,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE)


def install_problem_handlers(
    app: FastAPI, templates: Jinja2Templates, page_headers: dict[str, str]
) -> None:
    """Answer every HTTP and validation error with a problem body (API) or an error page.

    Error pages carry ``page_headers`` (the inbox pages' security headers).
    """

    def respond(request: Request, status: int, detail: str, **extensions: Any) -> Response:
        if request.url.path.startswith("/api/"):
            return problem(status, detail, **extensions)
        context = {"status": status, "title": HTTPStatus(status).phrase, "detail": detail}
        return templates.TemplateResponse(
            request, "error.html", context, status_code=status, headers=page_headers
        )

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        response = respond(request, exc.status_code, detail)
        response.headers.update(exc.headers or {})
        return response

    async def on_invalid_request(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = [_describe(error) for error in exc.errors()]
        detail = "; ".join(f"{e['location']}: {e['message']}" for e in errors)
        return respond(request, 422, detail, errors=errors)

    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_invalid_request)


def _describe(error: Any) -> dict[str, str]:
    location = ".".join(str(part) for part in error.get("loc", ()))
    return {"location": location, "message": str(error.get("msg", "invalid"))}
