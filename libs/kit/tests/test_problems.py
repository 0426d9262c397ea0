"""One problem handler for every service: refusals, validation, HTTP errors and bugs."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field

from frontdesk_kit.problems import install_problem_handlers, problem


class LinkUsed(Exception):
    """A domain refusal of some service."""


class Body(BaseModel):
    password: str = Field(min_length=12)


def app_with_routes() -> FastAPI:
    app = FastAPI()
    refusals = {
        LinkUsed: lambda error: problem(
            410, "link-used", "Link used", str(error), retry_after=2.4, reason="used"
        )
    }
    install_problem_handlers(app, refusals)

    @app.post("/links")
    async def use_link(body: Body) -> None:
        raise LinkUsed("this link was already used")

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("secret-token-123 leaked into a message")

    return app


async def call(method: str, path: str, **kwargs: object) -> httpx.Response:
    transport = httpx.ASGITransport(app=app_with_routes(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.request(method, path, **kwargs)  # type: ignore[arg-type]


async def test_a_refusal_is_the_services_own_problem_with_its_fields() -> None:
    response = await call("POST", "/links", json={"password": "long enough pass"})

    assert response.status_code == 410
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "2"
    assert response.json() == {
        "type": "https://frontdesk.dev/problems/link-used",
        "title": "Link used",
        "status": 410,
        "detail": "this link was already used",
        "retry_after": 2,
        "reason": "used",
    }


async def test_invalid_input_says_where_and_what_never_the_input() -> None:
    response = await call("POST", "/links", json={"password": "shortsecret"})

    body = response.json()
    assert response.status_code == 422
    assert body["type"] == "https://frontdesk.dev/problems/invalid-request"
    assert body["errors"] == [
        {"loc": ["body", "password"], "msg": "String should have at least 12 characters"}
    ]
    assert body["detail"] == "body.password: String should have at least 12 characters"
    assert "shortsecret" not in response.text


@pytest.mark.parametrize(
    ("method", "path", "status", "kind"),
    [("GET", "/nowhere", 404, "not-found"), ("DELETE", "/links", 405, "method-not-allowed")],
)
async def test_http_errors_are_problems(method: str, path: str, status: int, kind: str) -> None:
    response = await call(method, path)

    assert response.status_code == status
    assert response.json()["type"] == f"https://frontdesk.dev/problems/{kind}"


async def test_a_bug_is_a_500_problem_that_logs_no_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR):
        response = await call("GET", "/crash")

    assert response.status_code == 500
    assert response.json()["type"] == "https://frontdesk.dev/problems/internal"
    assert "secret-token-123" not in response.text
    assert "secret-token-123" not in caplog.text
    assert [getattr(r, "error", None) for r in caplog.records] == ["RuntimeError"]
