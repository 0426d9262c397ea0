"""The one verifier of the gateway's admin assertions: its rules, each with its refusal."""

from __future__ import annotations

import itertools
import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI

from frontdesk_kit.gateway import AdminCaller, GatewayVerifier, NotAuthenticated
from frontdesk_kit.problems import install_problem_handlers

AUDIENCE = "frontdesk-identity"
KEYS: dict[str, Any] = {
    "EdDSA": Ed25519PrivateKey.generate(),
    "ES256": ec.generate_private_key(ec.SECP256R1()),
    "RS256": rsa.generate_private_key(public_exponent=65537, key_size=2048),
}


def claims(**changes: Any) -> dict[str, Any]:
    base = {"sub": "admin-1", "aud": AUDIENCE, "exp": int(time.time()) + 60, "studios": ["s1"]}
    return {k: v for k, v in {**base, **changes}.items() if v is not None}


def sign(algorithm: str = "EdDSA", key: Any = None, **changes: Any) -> str:
    return jwt.encode(claims(**changes), key or KEYS[algorithm], algorithm=algorithm)


def verifier(algorithm: str = "EdDSA", **options: Any) -> GatewayVerifier:
    return GatewayVerifier(KEYS[algorithm].public_key(), audience=AUDIENCE, **options)


@pytest.mark.parametrize("algorithm", sorted(KEYS))
def test_an_assertion_signed_with_the_keys_algorithm_names_the_admin(algorithm: str) -> None:
    """Ed25519, P-256 and RSA gateway keys each verify their own algorithm."""
    admin = verifier(algorithm).verify(
        sign(algorithm, studios=["s1", "s2"], studio_names={"s1": "Studio One"})
    )

    assert admin.admin_id == "admin-1"
    assert admin.administers("s2") and not admin.administers("s3")
    assert admin.studio_name("s1") == "Studio One" and admin.studio_name("s2") == "s2"


@pytest.mark.parametrize(("configured", "used"), list(itertools.permutations(sorted(KEYS), 2)))
def test_any_other_algorithm_is_refused(configured: str, used: str) -> None:
    """Only the configured key's algorithm is accepted: no algorithm confusion."""
    with pytest.raises(NotAuthenticated):
        verifier(configured).verify(sign(used))


def test_an_unsigned_assertion_is_refused() -> None:
    unsigned = jwt.encode(claims(), None, algorithm="none")
    with pytest.raises(NotAuthenticated):
        verifier().verify(unsigned)


def test_an_assertion_signed_by_another_key_is_refused() -> None:
    with pytest.raises(NotAuthenticated):
        verifier().verify(sign(key=Ed25519PrivateKey.generate()))


@pytest.mark.parametrize(
    "changes",
    [
        {"aud": "frontdesk-client-registry"},
        {"aud": None},
        {"sub": None},
        {"exp": None},
        {"exp": int(time.time()) - 120},
        {"studios": None},
        {"studios": "s1"},
        {"studio_names": ["s1"]},
    ],
    ids=["other-audience", "no-audience", "no-subject", "no-expiry", "expired", "no-studios",
         "studios-not-a-list", "names-not-an-object"],
)  # fmt: skip
def test_a_flawed_assertion_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(NotAuthenticated):
        verifier().verify(sign(**changes))


def test_the_issuer_is_checked_when_one_is_configured() -> None:
    """A configured issuer must be the assertion's; without one, any issuer passes."""
    strict = verifier(issuer="platform-gateway")

    assert strict.verify(sign(iss="platform-gateway")).admin_id == "admin-1"
    for wrong in ("someone-else", None):
        with pytest.raises(NotAuthenticated):
            strict.verify(sign(iss=wrong))
    assert verifier().verify(sign(iss="anyone")).admin_id == "admin-1"


def test_clock_skew_is_allowed_up_to_the_leeway() -> None:
    """An assertion that expired 10 s ago passes with 30 s of leeway, not with none."""
    just_expired = sign(exp=int(time.time()) - 10)

    assert verifier(leeway_seconds=30).verify(just_expired).admin_id == "admin-1"
    with pytest.raises(NotAuthenticated):
        verifier(leeway_seconds=0).verify(just_expired)


class _Running:
    def __init__(self, gateway: GatewayVerifier | None) -> None:
        self.gateway = gateway


def admin_app(gateway: GatewayVerifier | None) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app, {})
    app.state.running = _Running(gateway)

    @app.get("/studios/{studio_id}")
    async def studio(studio_id: str, admin: AdminCaller) -> dict[str, Any]:
        return {"admin": admin.admin_id, "administers": admin.administers(studio_id)}

    return app


async def call(app: FastAPI, headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get("/studios/s1", headers=headers)


async def test_admin_routes_admit_a_valid_assertion() -> None:
    response = await call(admin_app(verifier()), {"Authorization": f"Bearer {sign()}"})

    assert response.status_code == 200
    assert response.json() == {"admin": "admin-1", "administers": True}


@pytest.mark.parametrize("header", [None, "Bearer ", "Bearer not-a-jwt", "Basic YTpi"])
async def test_admin_routes_answer_401_problems_without_a_valid_assertion(
    header: str | None,
) -> None:
    response = await call(admin_app(verifier()), {"Authorization": header} if header else {})

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["type"] == "https://frontdesk.dev/problems/not-authenticated"


def test_the_openapi_document_names_the_gateway_scheme() -> None:
    document = admin_app(verifier()).openapi()

    scheme = document["components"]["securitySchemes"]["gatewayAssertion"]
    assert scheme == {"type": "http", "scheme": "bearer", "description": scheme["description"]}
    assert document["paths"]["/studios/{studio_id}"]["get"]["security"] == [
        {"gatewayAssertion": []}
    ]
