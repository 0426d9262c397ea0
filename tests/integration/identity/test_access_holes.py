"""Issue 11's access holes: a resend after a login, credential addresses, the studio's
email quota told to admins, and the studio's name remembered."""

from __future__ import annotations

from dataclasses import replace

import pytest

from frontdesk_contracts import ClientImported, new_event

pytestmark = pytest.mark.integration

CLIENTS = "/v1/admin/studios/studio-1/clients"


async def test_a_resend_after_the_login_was_made_sends_login_ready_and_sets_nothing(
    service, keys, events, steps
):
    account_id = await steps.client_with_login(service, keys, events)
    [created] = await events.wait("AccountCreatedByAdmin", account_id=account_id)
    view = (
        await service.http.get(f"{CLIENTS}/{account_id}/access", headers=keys.admin.identity())
    ).json()
    assert (view["has_login"], view["ever_logged_in"]) == (True, False)
    assert (view["resend_welcome_allowed"], view["resend_sends"]) == (False, "login_ready")

    resent = await service.http.post(
        f"{CLIENTS}/{account_id}/welcome-email",
        json={"email": "ada@example.com"},
        headers=keys.admin.identity(),
    )
    assert resent.status_code == 202, resent.text
    [ready] = await events.wait("LoginReadyEmailRequested", account_id=account_id)
    assert ready.payload.username == "ada" and ready.payload.email == "ada@example.com"
    assert ready.payload.sign_in_page.endswith("/links/sign-in")
    assert not [e for e in await events.settle() if e.type == "WelcomeEmailRequested"]

    _, old_token = steps.link_of(keys, created.payload, "create_login_token")
    form = {"token": old_token, "username": "mallory", "password": "another long phrase"}
    assert (await service.http.post("/links/create-login", data=form)).status_code == 410
    assert (await steps.log_in(service, "mallory", "another long phrase")).status_code == 401
    assert (await steps.log_in(service)).status_code == 200


async def test_credential_emails_go_to_the_typed_or_the_last_proven_address(
    service, keys, events, publish, steps
):
    imported = ClientImported(
        studio_id="studio-1",
        external_client_id="ext-1",
        given_name="Grace",
        emails=["home@example.com", "work@example.com"],
    )
    await publish(new_event(imported))
    [event] = await events.wait("AccountImported")
    account_id = event.payload.account_id
    url = f"{CLIENTS}/{account_id}/welcome-email"
    sent = await service.http.post(
        url, json={"email": "work@example.com"}, headers=keys.admin.identity()
    )
    assert sent.status_code == 202
    [welcome] = await events.wait("WelcomeEmailRequested")
    _, token = steps.link_of(keys, welcome.payload, "create_login_token")
    form = {"token": token, "username": "grace", "password": steps.PASSWORD}
    assert (await service.http.post("/links/create-login", data=form)).status_code == 200

    for login in ("work@example.com", "grace"):
        asked = await service.http.post("/v1/password-resets", json={"login": login})
        assert asked.status_code == 202
    admin = await service.http.post(
        f"{CLIENTS}/{account_id}/password-reset", headers=keys.admin.identity()
    )
    assert admin.status_code == 202
    resets = await events.wait("PasswordResetRequested", count=3)
    assert [r.payload.email for r in resets] == ["work@example.com"] * 3
    _, token = steps.link_of(keys, resets[-1].payload, "reset_token")
    done = await service.http.post(
        "/links/reset-password",
        data={"token": token, "password": "a fresh long phrase"},
        headers={"Origin": "http://identity.test"},
    )
    assert done.status_code == 200, done.text
    [changed] = await events.wait("PasswordChanged")
    assert changed.payload.email == "work@example.com"


async def test_a_spent_studio_quota_is_a_429_and_creates_count(start, keys, events):
    async with start(emails_per_studio_per_hour=2) as service:
        await _spend_the_quota_and_be_told(service, keys, events)


async def _spend_the_quota_and_be_told(service, keys, events):  # type: ignore[no-untyped-def]
    ids = []
    for n in range(2):
        body = {"email": f"c{n}@example.com", "given_name": "C"}
        created = await service.http.post(CLIENTS, json=body, headers=keys.admin.identity())
        assert created.status_code == 201
        ids.append(created.json()["account_id"])
    body = {"email": "c9@example.com", "given_name": "C"}
    refused = await service.http.post(CLIENTS, json=body, headers=keys.admin.identity())
    assert refused.status_code == 429
    assert refused.json()["type"].endswith("email-quota-spent")
    assert 3000 < int(refused.headers["Retry-After"]) <= 3600
    assert refused.json()["retry_after"] == int(refused.headers["Retry-After"])
    resend = await service.http.post(
        f"{CLIENTS}/{ids[0]}/welcome-email",
        json={"email": "c0@example.com"},
        headers=keys.admin.identity(),
    )
    assert resend.status_code == 429 and "Retry-After" in resend.headers
    view = (
        await service.http.get(f"{CLIENTS}/{ids[0]}/access", headers=keys.admin.identity())
    ).json()
    assert view["email_quota"]["remaining"] == 0 and view["email_quota"]["resets_at"]
    assert len(await events.wait("AccountCreatedByAdmin", count=2)) == 2


async def test_a_spent_address_quota_is_told_to_the_admin_too(start, keys, events):
    async with start(emails_per_address_per_hour=1) as service:
        body = {"email": "ada@example.com", "given_name": "Ada"}
        created = await service.http.post(CLIENTS, json=body, headers=keys.admin.identity())
        assert created.status_code == 201  # the address's one create-login email this hour
        resend = await service.http.post(
            f"{CLIENTS}/{created.json()['account_id']}/welcome-email",
            json={"email": "ada@example.com"},
            headers=keys.admin.identity(),
        )
        assert resend.status_code == 429, resend.text
        assert resend.json()["type"].endswith("email-quota-spent")
        assert 3000 < resend.json()["retry_after"] <= 3600
        await events.settle(1.0)
        assert events.types().count("WelcomeEmailRequested") == 0


async def test_a_nameless_assertion_uses_the_studio_s_last_known_name(service, keys, events):
    body = {"email": "ada@example.com", "given_name": "Ada"}
    created = await service.http.post(CLIENTS, json=body, headers=keys.admin.identity())
    account_id = created.json()["account_id"]
    resent = await service.http.post(
        f"{CLIENTS}/{account_id}/welcome-email",
        json={"email": "ada@example.com"},
        headers=replace(keys.admin, studios={"studio-1": None}).identity(),  # no name
    )
    assert resent.status_code == 202
    [welcome] = await events.wait("WelcomeEmailRequested")
    assert welcome.payload.studio_name == "Studio One"
