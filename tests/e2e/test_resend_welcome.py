"""Flow 3: Resend Welcome Email, only until the client's first login; once a login
exists, the resend says the login is ready instead of sending a new create-login link."""

from __future__ import annotations

import pytest

from frontdesk_testing.people import PASSWORD

pytestmark = pytest.mark.integration


async def test_a_resent_welcome_supersedes_the_first_link_and_is_not_offered_after_login(
    journey, unique, studio
):
    email = f"grace-{unique}@example.test"
    account_id = await journey.create_client(email, "Grace")
    first = await journey.mail(email, "Create your login")
    first_link = first.link_containing("/links/create-login?token=")

    view = await journey.access(account_id)
    assert (view["ever_logged_in"], view["resend_welcome_allowed"]) == (False, True)
    assert view["emails"] == [email]

    resent = await journey.resend_welcome(account_id, email)
    assert resent.status_code == 202, resent.text
    second = await journey.mail(email, "create your login", since=first)
    assert second.subject == f"Your {studio[1]} account is waiting: create your login"
    second_link = second.link_containing("/links/create-login?token=")
    assert second_link != first_link

    # The superseded link fails, opened or submitted.
    stale = await journey.open_link(first_link)
    assert stale.status_code == 410
    assert "A newer link was sent; this one no longer works." in stale.text
    token = first_link.split("token=", 1)[1]
    form = {"token": token, "username": f"grace-old-{unique}", "password": PASSWORD}
    assert (await journey.identity.post("/links/create-login", data=form)).status_code == 410

    username = f"grace-{unique}"
    done = await journey.submit_link_form(second_link, username=username, password=PASSWORD)
    assert done.status_code == 200, done.text
    # A login exists but was never used: a resend may still go, but it is "your login is
    # ready" (sign in, or reset), never a link that sets credentials again.
    view = await journey.access(account_id)
    assert (view["resend_sends"], view["resend_welcome_allowed"]) == ("login_ready", False)
    ready_sent = await journey.resend_welcome(account_id, email)
    assert ready_sent.status_code == 202, ready_sent.text
    ready = await journey.mail(email, "login is ready", since=second)
    assert ready.subject == f"Your {studio[1]} login is ready: sign in"
    assert not [link for link in ready.links if "token=" in link]
    ready.link_containing("/links/sign-in")
    ready.link_containing("/links/reset-password/new")

    assert (await journey.log_in(username, PASSWORD)).status_code == 200
    view = await journey.access(account_id)
    assert view["ever_logged_in"] is True and view["last_login_at"] is not None
    assert view["resend_welcome_allowed"] is False
    refused = await journey.resend_welcome(account_id, email)
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert "password reset" in refused.json()["detail"]
    # And no third email went out.
    later = await journey.inbox.messages(email, since_id=ready.id)
    assert later == []
