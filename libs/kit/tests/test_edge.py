"""The edge: whose X-Forwarded-For is believed, what the guard refuses, the OpenAPI."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI, Request
from pydantic import BaseModel

from frontdesk_kit.edge import forwarded_client, install_edge, parse_networks

PROXIES = parse_networks(["10.0.0.0/8", "192.0.2.1"])


@pytest.mark.parametrize(
    ("peer", "header", "client"),
    [
        ("203.0.113.9", ["198.51.100.1"], "203.0.113.9"),  # not a proxy: header ignored
        ("10.1.2.3", ["198.51.100.1"], "198.51.100.1"),
        ("10.1.2.3", ["6.6.6.6, 198.51.100.1"], "198.51.100.1"),  # rightmost untrusted hop
        ("10.1.2.3", ["198.51.100.1, 192.0.2.1"], "198.51.100.1"),  # past a second proxy
        ("10.1.2.3", ["6.6.6.6", "198.51.100.1"], "198.51.100.1"),  # two header lines
        ("10.1.2.3", ["not-an-ip"], "10.1.2.3"),
        ("10.1.2.3", ["192.0.2.1"], "192.0.2.1"),  # only proxies: the leftmost
    ],
)
def test_the_client_is_the_rightmost_untrusted_hop_of_a_trusted_proxy(peer, header, client):
    assert forwarded_client(peer, header, PROXIES) == client


class Body(BaseModel):
    name: str


def _app(proxies: tuple[str, ...] = ()) -> FastAPI:
    app = FastAPI()

    @app.post("/things")
    async def things(body: Body, request: Request) -> dict[str, str]:
        return {"name": body.name, "client": request.client.host if request.client else ""}

    install_edge(app, trusted_proxies=proxies)
    return app


async def _post(app: FastAPI, peer: str = "203.0.113.9", **kwargs) -> httpx.Response:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app, client=(peer, 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        return await http.post("/things", **kwargs)


async def test_nobody_s_forwarded_for_counts_by_default():
    answer = await _post(_app(), json={"name": "a"}, headers={"X-Forwarded-For": "1.2.3.4"})
    assert answer.json()["client"] == "203.0.113.9"


async def test_a_trusted_proxy_s_forwarded_for_names_the_client():
    app = _app(("203.0.113.9",))
    answer = await _post(app, json={"name": "a"}, headers={"X-Forwarded-For": "1.2.3.4"})
    assert answer.json()["client"] == "1.2.3.4"


@pytest.mark.parametrize(
    "content",
    [b'{"name": "a\\u0000"}', b'{"name": "a\\ud800"}', b'{"name": "\xff"}', b'{"a\\u0000": 1}'],
)
async def test_unstorable_json_is_a_422_problem(content):
    answer = await _post(_app(), content=content, headers={"content-type": "application/json"})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["status"] == 422


async def test_a_paired_surrogate_escape_is_ordinary_text():
    content = b'{"name": "\\ud83d\\ude00"}'
    answer = await _post(_app(), content=content, headers={"content-type": "application/json"})
    assert answer.status_code == 200 and answer.json()["name"] == "\U0001f600"


async def test_a_body_over_64_kib_is_a_413_problem_even_without_a_length():
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(100):
            yield b"x" * 1024

    answer = await _post(_app(), content=chunks(), headers={"content-type": "application/json"})
    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"


def test_the_openapi_document_says_the_edge_answers_with_problem_bodies():
    document = _app().openapi()
    responses = document["paths"]["/things"]["post"]["responses"]
    assert set(responses) >= {"200", "413", "422"}
    for status in ("413", "422"):
        assert list(responses[status]["content"]) == ["application/problem+json"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
