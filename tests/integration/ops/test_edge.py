"""Every service refuses unstorable text and oversized bodies with a 4xx problem body
(they used to reach PostgreSQL and answer 500); notifications' and everyone's /metrics
need the ops token."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from frontdesk_testing import IDENTITY_AUDIENCE, REGISTRY_AUDIENCE, StandInGateway

from .helpers import STUDIO

pytestmark = pytest.mark.integration

NUL, SURROGATE = "\x00", "\ud800"


def _json(value: dict[str, Any]) -> dict[str, Any]:
    # ensure_ascii keeps a lone surrogate sendable: it travels as the escape "\ud800".
    return {"content": json.dumps(value), "headers": {"content-type": "application/json"}}


def _probes(name: str, gateway: StandInGateway) -> list[tuple[str, str, dict[str, Any]]]:
    if name == "identity":
        admin = gateway.headers("admin-1", [STUDIO], audience=IDENTITY_AUDIENCE)
        return [
            ("POST", "/v1/sessions", _json({"login": "ada" + NUL, "password": "x"})),
            ("POST", "/v1/sessions", _json({"login": "ada" + SURROGATE, "password": "x"})),
            ("POST", "/v1/password-resets", _json({"login": NUL})),
            ("POST", "/v1/sessions", {"content": b'{"login": "\xff", "password": "x"}'}),
            ("POST", "/links/reset-password/new", {"data": {"login": "a" + NUL}}),
            ("POST", "/links/sign-in", {"data": {"login": "a" + NUL, "password": "x"}}),
            ("GET", "/links/reset-password?token=" + "t" * 20 + "%00", {}),
            ("GET", f"/v1/admin/studios/{STUDIO}/clients/acc%00/access", {"headers": admin}),
            (
                "POST",
                f"/v1/admin/studios/{STUDIO}/clients",
                {
                    "content": json.dumps({"email": "a@example.com", "given_name": "A" + NUL}),
                    "headers": {**admin, "content-type": "application/json"},
                },
            ),
        ]
    if name == "client-registry":
        admin = gateway.headers("admin-1", [STUDIO], audience=REGISTRY_AUDIENCE)
        return [
            ("GET", f"/v1/studios/{STUDIO}/clients?q=a%00", {"headers": admin}),
            ("GET", f"/v1/studios/{STUDIO}/clients/rec%00", {"headers": admin}),
            ("GET", f"/v1/studios/{STUDIO}%00/clients", {"headers": admin}),
        ]
    return [
        ("GET", "/messages?recipient=a%00@example.com", {}),
        ("GET", "/messages?account_id=%00", {}),
        ("GET", "/suppressions?address=%00", {}),
        ("DELETE", "/suppressions/a%00@example.com", {}),
    ]


SERVICES = ["identity", "client-registry", "notifications"]


@pytest.mark.parametrize("name", SERVICES)
async def test_unstorable_text_anywhere_is_a_422_problem(
    name: str, start: Callable[..., Any], gateway: StandInGateway
) -> None:
    async with start(name) as service:
        for method, path, options in _probes(name, gateway):
            answer = await service.http.request(method, path, **options)
            assert answer.status_code == 422, (method, path, answer.status_code, answer.text)
            if path.startswith("/links/"):  # a person's browser: a page with a sentence
                assert answer.headers["content-type"].startswith("text/html")
                assert 'role="alert"' in answer.text and "try again" in answer.text
            else:
                assert answer.headers["content-type"] == "application/problem+json"
                assert answer.json()["status"] == 422


@pytest.mark.parametrize("name", SERVICES)
async def test_a_10_mb_body_is_a_413_problem_before_it_is_parsed(
    name: str, start: Callable[..., Any]
) -> None:
    path = {"identity": "/v1/sessions", "client-registry": "/v1/me/merge-proposals/p1/confirm"}
    body = json.dumps({"login": "x" * (10 * 1024 * 1024), "password": "x"})
    async with start(name) as service:
        target = path.get(name, "/ops/republish")
        answer = await service.http.post(
            target, content=body, headers={"content-type": "application/json"}
        )
        assert answer.status_code == 413, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert "64 KiB" in answer.json()["detail"]
        # A body under the cap still reaches the route (and its own validation).
        small = await service.http.post(target, json={"login": "x"})
        assert small.status_code in (401, 422)


@pytest.mark.parametrize("name", SERVICES)
async def test_metrics_need_the_ops_token(name: str, start: Callable[..., Any]) -> None:
    async with start(name) as service:
        for headers in ({"Authorization": ""}, {"Authorization": "Bearer not-the-token"}):
            refused = await service.http.get("/metrics", headers=headers)
            assert refused.status_code == 401
            assert refused.headers["content-type"] == "application/problem+json"
        assert (await service.http.get("/metrics")).status_code == 200  # the client's token


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/messages?recipient=ada@example.com"),
        ("GET", "/messages/00000000-0000-0000-0000-000000000000"),
        ("GET", "/suppressions"),
        ("DELETE", "/suppressions/ada@example.com"),
    ],
)
async def test_notifications_people_data_needs_the_ops_token(
    method: str, path: str, start: Callable[..., Any]
) -> None:
    async with start("notifications") as service:
        for headers in ({"Authorization": ""}, {"Authorization": "Bearer not-the-token"}):
            refused = await service.http.request(method, path, headers=headers)
            assert refused.status_code == 401, refused.text
            assert refused.headers["content-type"] == "application/problem+json"
            assert "messages" not in refused.text and "suppressions" not in refused.json()
        allowed = await service.http.request(method, path)  # the client carries the token
        assert allowed.status_code in (200, 404)


async def test_without_a_configured_token_notifications_read_api_is_off(
    start: Callable[..., Any],
) -> None:
    async with start("notifications", ops_token=None) as service:
        answer = await service.http.get("/suppressions")
        assert answer.status_code == 503
        assert "FRONTDESK_NOTIFICATIONS_OPS_TOKEN" in answer.json()["detail"]
