"""The ops API's guard (no token configured: 503; wrong or missing token: 401), its
body validation, and the rule of which messages can be resent."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from frontdesk_kit import ops
from frontdesk_kit.problems import install_problem_handlers
from frontdesk_notifications.domain.resends import refusal
from frontdesk_notifications.entrypoints import ops_routes
from frontdesk_notifications.entrypoints.problems import REFUSALS
from frontdesk_notifications.settings import NotificationsSettings

TOKEN = "t" * 40


def _client(token: str | None) -> httpx.AsyncClient:
    app = FastAPI()
    install_problem_handlers(app, REFUSALS)
    secret = SecretStr(token) if token else None
    # What the runtime's lifespan puts there: the running service's settings.
    settings = NotificationsSettings.model_construct(ops_token=secret)
    app.state.running = SimpleNamespace(settings=settings)
    app.include_router(ops.router)
    app.include_router(ops_routes.router)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ops")


BODY = {"operator": "me", "reason": "why", "account_id": "a"}


@pytest.mark.asyncio
async def test_without_a_configured_token_the_ops_api_is_off() -> None:
    async with _client(None) as http:
        answer = await http.post("/ops/republish", json=BODY)
    assert answer.status_code == 503
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "FRONTDESK_NOTIFICATIONS_OPS_TOKEN" in answer.json()["detail"]


@pytest.mark.asyncio
@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", TOKEN])
async def test_a_wrong_or_missing_token_is_refused(header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    async with _client(TOKEN) as http:
        for path, body in [
            ("/ops/republish", BODY),
            ("/ops/messages/0f8fad5b-d9cb-469f-a165-70867728950e/resend", BODY),
        ]:
            answer = await http.post(path, json=body, headers=headers)
            assert answer.status_code == 401, path


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "body",
    [
        {"operator": "me", "reason": "why"},  # neither account nor time range
        {"operator": "", "reason": "why", "account_id": "a"},
        {"operator": "me", "reason": "", "account_id": "a"},
        {
            "operator": "me",
            "reason": "r",
            "since": "2026-01-02T00:00:00Z",
            "until": "2026-01-01T00:00:00Z",
        },
        {"operator": "me", "reason": "r", "since": "2026-01-02T00:00:00"},  # no zone
    ],
)
async def test_bad_bodies_are_problems_not_crashes(body: dict[str, str]) -> None:
    async with _client(TOKEN) as http:
        answer = await http.post(
            "/ops/republish", json=body, headers={"Authorization": f"Bearer {TOKEN}"}
        )
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_which_messages_can_be_resent() -> None:
    assert refusal("password_changed", "sent", False, False) is None
    assert refusal("accounts_merged", "failed", False, False) is None
    assert "still queued" in (refusal("password_changed", "queued", False, False) or "")
    # A link email whose token was erased (final status) or whose link expired: refused.
    assert "new link" in (refusal("password_reset", "sent", False, False) or "")
    assert "new link" in (refusal("create_login", "failed", True, True) or "")
    assert refusal("email_verification", "failed", True, False) is None
