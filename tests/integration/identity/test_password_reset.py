"""Forgot password: one link, once, for an hour; the newest wins; sessions end."""

from __future__ import annotations

import time

import pytest

from frontdesk_testing import Admin

pytestmark = pytest.mark.integration


async def forgot(service, login: str):  # type: ignore[no-untyped-def]
    return await service.http.post("/v1/password-resets", json={"login": login})


async def test_forgot_password_sends_a_one_hour_link_by_username_or_email(
    service, keys, events, steps
):
    account_id = await steps.client_with_login(service, keys, events)
    for login in ("ada", "ADA@example.COM"):
        answer = await forgot(service, login)
        assert answer.status_code == 202
    first, second = await events.wait("PasswordResetRequested", count=2)
    assert first.payload.account_id == second.payload.account_id == account_id
    assert first.payload.requested_by == "self"
    assert (first.payload.expires_at - first.time).total_seconds() == pytest.approx(3600, abs=2)
    assert second.payload.supersedes == first.id


async def test_unknown_accounts_get_the_same_answer_in_the_same_time(service, keys, events, steps):
    await steps.client_with_login(service, keys, events)
    timings = {}
    answers = {}
    for login in ("ada", "nobody@example.com", "nobody"):
        started = time.monotonic()
        answer = await forgot(service, login)
        timings[login] = time.monotonic() - started
        answers[login] = (answer.status_code, answer.json())
    assert answers["ada"] == answers["nobody@example.com"] == answers["nobody"]
    assert max(timings.values()) - min(timings.values()) < 0.15
    assert min(timings.values()) >= service.settings.uniform_response_seconds
    found = await events.wait("PasswordResetRequested")
    assert len(found) == 1


async def test_the_reset_link_works_once_and_ends_every_session(service, keys, events, steps):
    account_id = await steps.client_with_login(service, keys, events)
    session = (await steps.log_in(service)).json()
    me = {"Authorization": f"Bearer {session['access_token']}"}
    assert (await service.http.get("/v1/me", headers=me)).status_code == 200
    await forgot(service, "ada")
    [event] = await events.wait("PasswordResetRequested")
    url, token = steps.link_of(keys, event.payload, "reset_token")

    for _ in range(2):  # opening (a mail scanner, the person) does not spend it
        page = await service.http.get(url)
        assert page.status_code == 200 and 'name="password"' in page.text

    form = {"token": token, "password": "a brand new phrase"}
    done = await service.http.post("/links/reset-password", data=form)
    assert done.status_code == 200 and "Password changed" in done.text
    [changed] = await events.wait("PasswordChanged")
    assert changed.payload.account_id == account_id
    assert changed.payload.via == "reset_link"

    used = await service.http.post("/links/reset-password", data=form)
    assert used.status_code == 410 and "already been used" in used.text
    assert 'name="login"' in used.text  # offers to send a new one
    assert (await service.http.get("/v1/me", headers=me)).status_code == 401
    refreshed = await service.http.post(
        "/v1/sessions/refresh", json={"refresh_token": session["refresh_token"]}
    )
    assert refreshed.status_code == 401
    assert (await steps.log_in(service)).status_code == 401
    assert (await steps.log_in(service, password="a brand new phrase")).status_code == 200


async def test_a_newer_request_supersedes_the_older_link(service, keys, events, steps):
    await steps.client_with_login(service, keys, events)
    await forgot(service, "ada")
    await forgot(service, "ada")
    older, newer = await events.wait("PasswordResetRequested", count=2)
    old_url, old_token = steps.link_of(keys, older.payload, "reset_token")
    page = await service.http.get(old_url)
    assert page.status_code == 410
    assert "newer link was sent" in page.text and 'name="login"' in page.text
    form = {"token": old_token, "password": "a brand new phrase"}
    assert (await service.http.post("/links/reset-password", data=form)).status_code == 410
    _, new_token = steps.link_of(keys, newer.payload, "reset_token")
    form["token"] = new_token
    assert (await service.http.post("/links/reset-password", data=form)).status_code == 200


async def test_an_expired_link_shows_a_page_that_offers_a_new_one(service, keys, events, steps):
    await steps.client_with_login(service, keys, events)
    await forgot(service, "ada")
    [event] = await events.wait("PasswordResetRequested")
    url, token = steps.link_of(keys, event.payload, "reset_token")
    await service.app.state.deps.db.pool.execute(
        "UPDATE one_time_tokens SET expires_at = now() - interval '1 second'"
        " WHERE purpose = 'password_reset'"
    )
    page = await service.http.get(url)
    assert page.status_code == 410 and "expired" in page.text
    form = {"token": token, "password": "a brand new phrase"}
    assert (await service.http.post("/links/reset-password", data=form)).status_code == 410

    again = await service.http.post("/links/reset-password/new", data={"login": "ada"})
    assert again.status_code == 200
    await events.wait("PasswordResetRequested", count=2)


async def test_a_refused_new_password_does_not_spend_the_link(service, keys, events, steps):
    await steps.client_with_login(service, keys, events)
    await forgot(service, "ada")
    [event] = await events.wait("PasswordResetRequested")
    _, token = steps.link_of(keys, event.payload, "reset_token")
    refused = await service.http.post(
        "/links/reset-password", data={"token": token, "password": "12345678"}
    )
    assert refused.status_code == 422 and "too common" in refused.text
    assert (await steps.log_in(service, password=steps.PASSWORD)).status_code == 200
    done = await service.http.post(
        "/links/reset-password", data={"token": token, "password": "a brand new phrase"}
    )
    assert done.status_code == 200


async def test_an_admin_sends_a_reset_to_a_client_of_their_studio(service, keys, events, steps):
    account_id = await steps.client_with_login(service, keys, events)
    url = f"/v1/admin/studios/studio-1/clients/{account_id}/password-reset"
    assert (await service.http.post(url, headers=keys.admin.identity())).status_code == 202
    [event] = await events.wait("PasswordResetRequested")
    assert event.payload.requested_by == "admin"
    assert event.payload.admin_id == "admin-1"
    assert event.payload.studio_id == "studio-1"

    outsider = Admin("admin-2", {"studio-2": None}, keys.gateway).identity()
    assert (await service.http.post(url, headers=outsider)).status_code == 404


async def test_an_admin_reset_for_a_client_without_login_points_to_the_welcome_email(
    service, keys, events, steps
):
    created = await service.http.post(
        "/v1/admin/studios/studio-1/clients",
        json={"email": "new@example.com", "given_name": "New"},
        headers=keys.admin.identity(),
    )
    url = f"/v1/admin/studios/studio-1/clients/{created.json()['account_id']}/password-reset"
    refused = await service.http.post(url, headers=keys.admin.identity())
    assert refused.status_code == 409
    assert "welcome" in refused.json()["detail"]
