"""A dead create-login link's page sends a new link while the login is still to create."""

from __future__ import annotations

from uuid import UUID

import pytest

from frontdesk_contracts import SealedSecret

pytestmark = pytest.mark.integration

ANSWER = "If this link was for a login that still needs creating, we sent a new link."


async def new_client(service, keys, events, email="ada@example.com"):  # type: ignore[no-untyped-def]
    created = await service.http.post(
        "/v1/admin/studios/studio-1/clients",
        json={"email": email, "given_name": "Ada", "family_name": "Lovelace"},
        headers=keys.admin.identity(),
    )
    assert created.status_code == 201, created.text
    account_id = created.json()["account_id"]
    [event] = await events.wait("AccountCreatedByAdmin", account_id=account_id)
    return account_id, event


async def expire(service, link_id: UUID) -> None:  # type: ignore[no-untyped-def]
    await service.app.state.deps.db.pool.execute(
        "UPDATE one_time_tokens SET expires_at = now() - interval '1 second' WHERE id = $1",
        link_id,
    )


async def ask_again(service, token: str):  # type: ignore[no-untyped-def]
    answer = await service.http.post("/links/create-login/new", data={"token": token})
    assert answer.status_code == 200 and ANSWER in answer.text
    return answer


async def test_an_expired_link_offers_a_new_one_that_opens_the_form(service, keys, events, steps):
    account_id, created = await new_client(service, keys, events)
    url, old = steps.link_of(keys, created.payload, "create_login_token")
    await expire(service, created.id)

    page = await service.http.get(url)
    assert page.status_code == 410 and "expired" in page.text
    assert 'action="/links/create-login/new"' in page.text and "welcome email" not in page.text
    await ask_again(service, old)

    [again] = await events.wait("CreateLoginLinkRequested", account_id=account_id)
    assert isinstance(again.payload.create_login_token, SealedSecret)
    assert again.payload.supersedes == created.id
    assert again.payload.email == "ada@example.com" and again.payload.studio_id == "studio-1"
    assert again.payload.family_name == "Lovelace"
    lifetime = again.payload.expires_at - again.time
    assert 6.9 < lifetime.total_seconds() / 86400 <= 7.0
    new_url, new = steps.link_of(keys, again.payload, "create_login_token")
    assert new not in b"".join(events.raw).decode(errors="replace")  # sealed on the wire
    form_page = await service.http.get(new_url)
    assert form_page.status_code == 200 and 'name="username"' in form_page.text
    form = {"token": new, "username": "ada", "password": steps.PASSWORD}
    assert (await service.http.post("/links/create-login", data=form)).status_code == 200
    assert (await steps.log_in(service)).status_code == 200


async def test_a_superseded_link_offers_a_new_one(service, keys, events, steps):
    account_id, created = await new_client(service, keys, events)
    url, old = steps.link_of(keys, created.payload, "create_login_token")
    resent = await service.http.post(
        f"/v1/admin/studios/studio-1/clients/{account_id}/welcome-email",
        json={"email": "ada@example.com"},
        headers=keys.admin.identity(),
    )
    assert resent.status_code < 300, resent.text
    [welcome] = await events.wait("WelcomeEmailRequested")

    page = await service.http.get(url)
    assert page.status_code == 410 and "newer link was sent" in page.text
    assert 'action="/links/create-login/new"' in page.text
    await ask_again(service, old)

    [again] = await events.wait("CreateLoginLinkRequested", account_id=account_id)
    assert again.payload.supersedes == welcome.id
    new_url, _ = steps.link_of(keys, again.payload, "create_login_token")
    assert (await service.http.get(new_url)).status_code == 200
    welcome_url, _ = steps.link_of(keys, welcome.payload, "create_login_token")
    assert "newer link was sent" in (await service.http.get(welcome_url)).text


async def test_used_links_unknown_tokens_and_existing_logins_get_nothing(
    service, keys, events, steps
):
    # A used link offers a reset instead; asking anyway sends nothing.
    _, created = await new_client(service, keys, events)
    url, used = steps.link_of(keys, created.payload, "create_login_token")
    form = {"token": used, "username": "ada", "password": steps.PASSWORD}
    assert (await service.http.post("/links/create-login", data=form)).status_code == 200
    page = await service.http.get(url)
    assert "/links/create-login/new" not in page.text and 'name="login"' in page.text
    await ask_again(service, used)

    # A superseded link of a client who then created a login with the newer link.
    other_id, other = await new_client(service, keys, events, email="grace@example.com")
    _, superseded = steps.link_of(keys, other.payload, "create_login_token")
    await service.http.post(
        f"/v1/admin/studios/studio-1/clients/{other_id}/welcome-email",
        json={"email": "grace@example.com"},
        headers=keys.admin.identity(),
    )
    [welcome] = await events.wait("WelcomeEmailRequested", account_id=other_id)
    _, newer = steps.link_of(keys, welcome.payload, "create_login_token")
    form = {"token": newer, "username": "grace", "password": steps.PASSWORD}
    assert (await service.http.post("/links/create-login", data=form)).status_code == 200
    await ask_again(service, superseded)

    await ask_again(service, "A" * 43)  # unknown

    await events.settle()
    assert "CreateLoginLinkRequested" not in events.types()


async def test_the_address_quota_gives_the_same_answer_and_sends_nothing(
    start, keys, events, steps
):
    async with start(emails_per_address_per_hour=2) as service:
        account_id, created = await new_client(service, keys, events)  # counts one
        _, old = steps.link_of(keys, created.payload, "create_login_token")
        await expire(service, created.id)

        for _ in range(3):
            await ask_again(service, old)

        await events.settle()
        sent = [e for e in events.seen if e.type == "CreateLoginLinkRequested"]
        assert len(sent) == 1 and sent[0].payload.account_id == account_id
        rows = await service.app.state.deps.db.pool.fetch(
            "SELECT purpose FROM one_time_tokens WHERE account_id = $1", account_id
        )
        assert len(rows) == 2  # the first link and one new one: nothing else was issued
