"""The HTTP surface without servers: the committed OpenAPI document, problem bodies."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from frontdesk_identity.bootstrap import create_app
from frontdesk_identity.openapi import DOCUMENT
from frontdesk_kit.gateway import GatewayVerifier


def test_the_committed_openapi_document_matches_the_app():
    assert DOCUMENT.path.read_text() == DOCUMENT.render(), (
        "openapi.json is stale: run python -m frontdesk_identity.openapi"
    )


@pytest.fixture
async def http(settings):  # type: ignore[no-untyped-def]
    # No lifespan: only what answers before any database or Kafka is needed.
    app = create_app(settings)
    app.state.deps = None  # never reached: these requests fail before any handler runs
    # What the lifespan would start for the admin routes: only the gateway's verifier.
    app.state.running = SimpleNamespace(gateway=GatewayVerifier.from_settings(settings), checks={})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://identity.test") as client:
        yield client


async def test_validation_errors_are_problem_bodies_that_never_echo_the_input(http):
    secret = "s3cret-password-" + "x" * 1100  # too long: refused, and must not be echoed
    answer = await http.post("/v1/sessions", json={"login": "ada", "password": secret, "x": 1})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["type"].endswith("/invalid-request")
    assert body["status"] == 422 and body["title"] and body["detail"]
    assert secret[:16] not in answer.text
    assert {tuple(e["loc"]) for e in body["errors"]} == {("body", "password"), ("body", "x")}


async def test_unknown_paths_and_methods_are_problem_bodies(http):
    missing = await http.get("/nowhere")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    wrong = await http.put("/v1/sessions")
    assert wrong.status_code == 405
    assert wrong.json()["status"] == 405


async def test_admin_calls_without_an_assertion_are_401_problems(http):
    answer = await http.get("/v1/admin/studios/s1/clients/a1/access")
    assert answer.status_code == 401
    assert answer.json()["type"].endswith("/not-authenticated")


def _forged(alg: str) -> str:
    """An assertion whose header names `alg` (the gateway's key is Ed25519)."""
    claims = {"sub": "admin-1", "studios": ["s1"], "aud": "frontdesk-identity", "exp": 9e9}
    if alg == "none":
        return jwt.encode(claims, None, algorithm="none")
    keys = {
        "ES256": lambda: ec.generate_private_key(ec.SECP256R1()),
        "RS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "HS256": lambda: "k" * 32,
    }
    return jwt.encode(claims, keys[alg](), algorithm=alg)


FORGED = {alg: _forged(alg) for alg in ("ES256", "RS256", "HS256", "none")}
ADMIN_CALLS = [
    ("POST", "/v1/admin/studios/s1/clients", {"email": "a@example.com", "given_name": "A"}),
    ("GET", "/v1/admin/studios/s1/clients/a1/access", None),
    ("POST", "/v1/admin/studios/s1/clients/a1/welcome-email", {"email": "a@example.com"}),
    ("POST", "/v1/admin/studios/s1/clients/a1/password-reset", None),
]


@pytest.mark.parametrize("alg", ["ES256", "RS256", "HS256", "none"])
@pytest.mark.parametrize(("method", "path", "body"), ADMIN_CALLS)
async def test_an_assertion_of_another_algorithm_is_a_401_problem(http, method, path, body, alg):
    headers = {"Authorization": f"Bearer {FORGED[alg]}"}
    answer = await http.request(method, path, json=body, headers=headers)
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"].endswith("/not-authenticated")


async def test_liveness_answers_without_dependencies(http):
    assert (await http.get("/healthz")).json() == {"status": "alive"}
    ready = await http.get("/readyz")
    assert ready.status_code == 503  # nothing started yet
