"""Resend Welcome Email and the client access view an admin sees."""

from __future__ import annotations

from typing import Any

import pytest

from frontdesk_contracts import ClientImported, EmailFailed, EmailSent, new_event, uuid7
from frontdesk_testing import eventually

pytestmark = pytest.mark.integration


async def imported_client(publish, events, *emails: str) -> str:  # type: ignore[no-untyped-def]
    await publish(
        new_event(
            ClientImported(
                studio_id="studio-1",
                external_client_id="ext-1",
                given_name="Grace",
                emails=list(emails),
            )
        )
    )
    [event] = await events.wait("AccountImported")
    return str(event.payload.account_id)


def client_url(account_id: str, what: str) -> str:
    return f"/v1/admin/studios/studio-1/clients/{account_id}/{what}"


async def test_resend_welcome_to_a_known_address_supersedes_the_earlier_link(
    service, keys, events, publish, steps
):
    account_id = await imported_client(publish, events, "g@example.com", "grace@work.example")
    url = client_url(account_id, "welcome-email")
    for email in ("g@example.com", "GRACE@work.example"):
        sent = await service.http.post(url, json={"email": email}, headers=keys.admin.identity())
        assert sent.status_code == 202, sent.text
    first, second = await events.wait("WelcomeEmailRequested", count=2)
    assert first.payload.email == "g@example.com"
    assert second.payload.email == "grace@work.example"
    assert second.payload.supersedes == first.id
    assert second.payload.admin_id == "admin-1"
    assert (second.payload.expires_at - second.time).days == 6  # 7 days minus a moment

    old_url, _ = steps.link_of(keys, first.payload, "create_login_token")
    old = await service.http.get(old_url)
    assert old.status_code == 410 and "newer link was sent" in old.text
    new_url, _ = steps.link_of(keys, second.payload, "create_login_token")
    assert (await service.http.get(new_url)).status_code == 200


async def test_resend_welcome_to_an_unknown_address_is_refused(service, keys, events, publish):
    account_id = await imported_client(publish, events, "g@example.com")
    refused = await service.http.post(
        client_url(account_id, "welcome-email"),
        json={"email": "someone@else.example"},
        headers=keys.admin.identity(),
    )
    assert refused.status_code == 422
    assert refused.json()["type"].endswith("unknown-address")


async def test_resend_welcome_after_a_login_is_refused_pointing_to_a_reset(
    service, keys, events, steps
):
    account_id = await steps.client_with_login(service, keys, events)
    before = await service.http.get(client_url(account_id, "access"), headers=keys.admin.identity())
    # Created a login, never logged in: a resend sends "login ready", not a create-login link.
    assert before.json()["resend_welcome_allowed"] is False
    assert before.json()["resend_sends"] == "login_ready"
    assert (await steps.log_in(service)).status_code == 200

    view = (
        await service.http.get(client_url(account_id, "access"), headers=keys.admin.identity())
    ).json()
    assert view["ever_logged_in"] is True
    assert view["last_login_at"] is not None
    assert view["resend_welcome_allowed"] is False
    assert view["resend_sends"] is None
    refused = await service.http.post(
        client_url(account_id, "welcome-email"),
        json={"email": "ada@example.com"},
        headers=keys.admin.identity(),
    )
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert "password reset" in refused.json()["detail"]


async def test_the_access_view_shows_the_state_of_the_last_emails(service, keys, events, publish):
    account_id = await imported_client(publish, events, "g@example.com")
    common = {
        "account_id": account_id,
        "recipient": "g@example.com",
        "kind": "create_login",
        "cause_event_id": uuid7(),
        "cause_event_type": "WelcomeEmailRequested",
    }
    failed = new_event(
        EmailFailed(message_id="m-1", reason="451 try later", permanent=False, attempts=1, **common)
    )
    sent = new_event(EmailSent(message_id="m-1", attempts=2, **common))
    await publish(failed)
    await publish(sent)
    await publish(sent)  # redelivered: no change
    url = client_url(account_id, "access")

    async def sent_shown() -> dict[str, Any]:
        view: dict[str, Any] = (await service.http.get(url, headers=keys.admin.identity())).json()
        assert view["last_emails"] and view["last_emails"][0]["state"] == "sent", view
        return view

    view = await eventually(sent_shown, timeout=10)
    assert view["emails"] == ["g@example.com"]
    [email] = view["last_emails"]
    assert (email["message_id"], email["state"], email["kind"]) == ("m-1", "sent", "create_login")
