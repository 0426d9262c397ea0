"""HTTP errors are problem bodies, and auth is checked before anything is read."""

from __future__ import annotations

from types import SimpleNamespace

import httpx

from frontdesk_kit.gateway import GatewayVerifier
from frontdesk_registry.adapters.access_tokens import AccessTokenVerifier, StaticKey
from frontdesk_registry.bootstrap import bootstrap, create_app
from frontdesk_registry.entrypoints.security import Services
from frontdesk_testing import REGISTRY_AUDIENCE, StandInGateway
from frontdesk_testing.registry.fakes import MemoryUnitsOfWork


def client(settings, keys) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    app = create_app(settings)
    # What the lifespan would build, with memory in place of the database.
    app.state.running = SimpleNamespace(gateway=GatewayVerifier.from_settings(settings))
    app.state.deps = Services(
        bootstrap(settings, MemoryUnitsOfWork()),
        AccessTokenVerifier(StaticKey(keys["identity"].public_key())),
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


def admin_of(keys, *studios: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return StandInGateway(keys["gateway"]).headers("admin-1", studios, audience=REGISTRY_AUDIENCE)


async def test_no_token_is_a_401_problem(settings, keys):
    async with client(settings, keys) as http:
        answer = await http.get("/v1/me/merge-proposals")
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["www-authenticate"] == "Bearer"
    assert set(answer.json()) >= {"type", "title", "status", "detail"}


async def test_another_studio_is_a_404_before_anything_is_read(settings, keys):
    async with client(settings, keys) as http:
        answer = await http.get("/v1/studios/s2/clients/cr-1", headers=admin_of(keys, "s1"))
    assert answer.status_code == 404
    assert answer.json()["title"] == "client not found"
    assert answer.json()["type"] == "https://frontdesk.dev/problems/client-not-found"


async def test_invalid_parameters_are_a_422_problem_naming_the_field(settings, keys):
    async with client(settings, keys) as http:
        answer = await http.get(
            "/v1/studios/s1/clients", params={"limit": 0}, headers=admin_of(keys, "s1")
        )
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert [e["loc"] for e in answer.json()["errors"]] == [["query", "limit"]]


async def test_unknown_paths_are_problems_too(settings, keys):
    async with client(settings, keys) as http:
        answer = await http.get("/nowhere")
    assert (answer.status_code, answer.json()["status"]) == (404, 404)
