"""An admin creates a client; the client opens the link, creates a login and logs in."""

from __future__ import annotations

from dataclasses import replace

import jwt
import pytest

from frontdesk_testing import IDENTITY_AUDIENCE, Admin, StandInGateway

pytestmark = pytest.mark.integration


async def create_client(service, keys, email="ada@example.com", studio="studio-1", **extra):  # type: ignore[no-untyped-def]
    body = {"email": email, "given_name": "Ada", **extra}
    return await service.http.post(
        f"/v1/admin/studios/{studio}/clients", json=body, headers=keys.admin.identity()
    )


async def test_admin_creates_a_client_who_creates_a_login_and_logs_in(service, keys, events, steps):
    created = await create_client(service, keys)
    assert created.status_code == 201, created.text
    account_id = created.json()["account_id"]

    [event] = await events.wait("AccountCreatedByAdmin")
    assert event.payload.account_id == account_id
    assert event.payload.admin_id == "admin-1"
    assert event.payload.studio_name == "Studio One"
    assert event.payload.email == "ada@example.com"
    lifetime = event.payload.expires_at - event.time
    assert 6.9 < lifetime.total_seconds() / 86400 <= 7.0
    url, token = steps.link_of(keys, event.payload, "create_login_token")

    # Opening the link (twice, as a mail scanner would) only shows the form.
    for _ in range(2):
        page = await service.http.get(url)
        assert page.status_code == 200
        assert 'name="password"' in page.text and 'name="username"' in page.text
        # One script only (the show-password toggle), allowed by its hash, nothing inline.
        assert page.text.count("<script") == 1
        csp = page.headers["content-security-policy"]
        assert (
            "script-src 'sha256-" in csp
            and "unsafe" not in csp.split("script-src")[1].split(";")[0]
        )
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert page.headers["cache-control"] == "no-store"

    form = {"token": token, "username": "ada", "password": "correct horse battery"}
    done = await service.http.post("/links/create-login", data=form)
    assert done.status_code == 200, done.text
    assert "You can now log in as ada" in done.text
    await events.wait("LoginCreated", username="ada", account_id=account_id)

    again = await service.http.post("/links/create-login", data=form)
    assert again.status_code == 410
    assert "already been used" in again.text

    login = await service.http.post(
        "/v1/sessions", json={"login": "ADA@Example.com", "password": "correct horse battery"}
    )
    assert login.status_code == 200, login.text
    jwks = (await service.http.get("/.well-known/jwks.json")).json()
    key = jwt.PyJWK(jwks["keys"][0])
    claims = jwt.decode(
        login.json()["access_token"], key, algorithms=["EdDSA"], audience="frontdesk"
    )
    assert claims["sub"] == account_id
    await events.wait("FirstLogin", account_id=account_id)


async def test_a_refused_password_keeps_the_link_usable(service, keys, events, steps):
    await create_client(service, keys)
    [event] = await events.wait("AccountCreatedByAdmin")
    _, token = steps.link_of(keys, event.payload, "create_login_token")

    for bad, reason in (
        ("short", "at least 8"),
        ("x" * 129, "at most 128"),
        ("password123", "too common"),
    ):
        form = {"token": token, "username": "ada", "password": bad}
        refused = await service.http.post("/links/create-login", data=form)
        assert refused.status_code == 422
        assert reason in refused.text

    form = {"token": token, "username": "ada", "password": "a long enough phrase"}
    assert (await service.http.post("/links/create-login", data=form)).status_code == 200


async def test_a_taken_username_is_refused_and_the_link_still_works(service, keys, events, steps):
    await create_client(service, keys, email="one@example.com")
    await create_client(service, keys, email="two@example.com")
    first, second = await events.wait("AccountCreatedByAdmin", count=2)
    _, token1 = steps.link_of(keys, first.payload, "create_login_token")
    _, token2 = steps.link_of(keys, second.payload, "create_login_token")
    form = {"token": token1, "username": "Sam", "password": "a long enough phrase"}
    assert (await service.http.post("/links/create-login", data=form)).status_code == 200

    taken = {"token": token2, "username": "sam", "password": "a long enough phrase"}
    refused = await service.http.post("/links/create-login", data=taken)
    assert refused.status_code == 409
    taken["username"] = "sam2"
    assert (await service.http.post("/links/create-login", data=taken)).status_code == 200


async def test_an_unknown_link_shows_a_clear_page(service, steps):
    page = await service.http.get("/links/create-login?token=" + "A" * 43)
    assert page.status_code == 410
    assert "not valid" in page.text
    assert "new welcome email" in page.text


async def test_admin_assertions_are_checked(service, keys, steps):
    body = {"email": "ada@example.com", "given_name": "Ada"}
    url = "/v1/admin/studios/studio-1/clients"
    admin = keys.admin
    for headers in (
        replace(admin, gateway=StandInGateway()).identity(),  # not the gateway's signature
        admin.registry(),  # meant for another service
        keys.gateway.headers(
            admin.admin_id, admin.studios, audience=IDENTITY_AUDIENCE, lifetime_seconds=-60
        ),
        {},
        {"Authorization": "Bearer not-a-jwt"},
    ):
        refused = await service.http.post(url, json=body, headers=headers)
        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["status"] == 401


async def test_a_studio_the_admin_does_not_administer_looks_like_an_unknown_client(
    service, keys, events, steps
):
    created = await create_client(service, keys)
    account_id = created.json()["account_id"]
    outsider = Admin("admin-2", {"studio-2": None}, keys.gateway).identity()

    foreign = await service.http.get(
        f"/v1/admin/studios/studio-1/clients/{account_id}/access", headers=outsider
    )
    unknown = await service.http.get(
        "/v1/admin/studios/studio-2/clients/no-such-client/access", headers=outsider
    )
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json() == unknown.json()
    create = await service.http.post(
        "/v1/admin/studios/studio-1/clients",
        json={"email": "x@example.com", "given_name": "X"},
        headers=outsider,
    )
    assert create.status_code == 404

    audit = await service.app.state.deps.db.pool.fetch(
        "SELECT admin_id, action, outcome FROM admin_audit ORDER BY id"
    )
    assert [tuple(r) for r in audit] == [
        ("admin-1", "create_client", "done"),
        ("admin-2", "access_view", "refused: client-not-found"),
        ("admin-2", "access_view", "refused: client-not-found"),
        ("admin-2", "create_client", "refused: client-not-found"),
    ]


async def test_an_external_id_is_created_once_per_studio(service, keys, steps):
    first = await create_client(service, keys, external_client_id="ext-1")
    again = await create_client(service, keys, external_client_id="ext-1")
    assert first.status_code == 201
    assert again.status_code == 409
    assert again.json()["type"].endswith("client-exists")


async def test_bad_input_is_a_problem_never_a_500(service, keys, steps):
    url = "/v1/admin/studios/studio-1/clients"
    for body in ({}, {"email": "nope", "given_name": "A"}, {"email": "a@b.co", "given_name": ""}):
        refused = await service.http.post(url, json=body, headers=keys.admin.identity())
        assert refused.status_code == 422
        assert refused.headers["content-type"] == "application/problem+json"
        assert {"type", "title", "status", "detail"} <= set(refused.json())
    garbled = await service.http.post(
        url,
        content=b"{not json",
        headers={**keys.admin.identity(), "content-type": "application/json"},
    )
    assert garbled.status_code == 422
    # Link pages answer a browser with a page, never JSON: a token that is no link is a
    # dead link, a link without its token an incomplete one.
    missing = await service.http.post("/links/create-login", data={"token": "x"})
    assert missing.status_code == 410 and "Link no longer works" in missing.text
    incomplete = await service.http.get("/links/create-login")
    assert incomplete.status_code == 422 and "incomplete" in incomplete.text
    assert (await service.http.get("/no/such/page")).json()["status"] == 404


async def test_dead_create_login_links_say_why_and_what_to_do(service, keys, events, steps):
    created = await create_client(service, keys)
    account_id = created.json()["account_id"]
    [event] = await events.wait("AccountCreatedByAdmin")
    url, _ = steps.link_of(keys, event.payload, "create_login_token")
    await service.app.state.deps.db.pool.execute(
        "UPDATE one_time_tokens SET expires_at = now() - interval '1 second'"
    )
    expired = await service.http.get(url)
    assert expired.status_code == 410
    assert "expired" in expired.text and 'action="/links/create-login/new"' in expired.text

    await service.http.post(
        f"/v1/admin/studios/studio-1/clients/{account_id}/welcome-email",
        json={"email": "ada@example.com"},
        headers=keys.admin.identity(),
    )
    [welcome] = await events.wait("WelcomeEmailRequested")
    new_url, new_token = steps.link_of(keys, welcome.payload, "create_login_token")
    form = {"token": new_token, "username": "ada", "password": "a long enough phrase"}
    assert (await service.http.post("/links/create-login", data=form)).status_code == 200
    used = await service.http.get(new_url)
    assert used.status_code == 410
    assert "already been used" in used.text
    assert 'name="login"' in used.text  # a login exists: it offers a reset link instead


async def test_the_sign_in_page_emails_link_to_checks_a_login(service, keys, events, steps):
    await create_client(service, keys)
    [event] = await events.wait("AccountCreatedByAdmin")
    _, token = steps.link_of(keys, event.payload, "create_login_token")
    form = {"token": token, "username": "ada", "password": "correct horse battery"}
    assert (await service.http.post("/links/create-login", data=form)).status_code == 200

    shown = await service.http.get("/links/sign-in")
    assert shown.status_code == 200
    assert 'name="login"' in shown.text and 'name="password"' in shown.text
    assert shown.text.count("<script") == 1  # the show-password toggle, allowed by its hash
    assert 'href="/links/reset-password/new"' in shown.text  # "forgot your password?"

    wrong = {"login": "ada", "password": "not the password"}
    refused = await service.http.post("/links/sign-in", data=wrong)
    assert refused.status_code == 401
    assert 'name="login"' in refused.text, "the form is offered again"

    right = {"login": "ADA@example.com", "password": "correct horse battery"}
    signed_in = await service.http.post("/links/sign-in", data=right)
    assert signed_in.status_code == 200
    assert "You are signed in" in signed_in.text
