"""The "your login is ready" email: the welcome resend once a client has a login."""

from __future__ import annotations

from frontdesk_contracts import LoginReadyEmailRequested
from frontdesk_notifications.adapters.templates import EmailRenderer, LinkPaths
from frontdesk_notifications.domain.requests import SUPERSEDING_KINDS, email_requested_by

EVENT = LoginReadyEmailRequested(
    account_id="a1",
    studio_id="s1",
    studio_name="Palace Pilates",
    admin_id="admin-1",
    email="ada@example.test",
    given_name="Ada",
    username="ada.l",
    sign_in_page="https://app.test/links/sign-in",
    reset_request_page="https://app.test/links/reset-password/new",
)


def test_it_asks_for_a_login_ready_email_with_no_secret():
    request = email_requested_by(EVENT)
    assert request is not None
    assert (request.kind, request.template) == ("login_ready", "login_ready")
    assert request.recipient == "ada@example.test" and request.studio_id == "s1"
    assert request.secrets == {} and request.expires_at is None
    assert request.kind not in SUPERSEDING_KINDS  # it supersedes no create-login email


def test_it_offers_sign_in_and_a_reset_request_but_no_link_that_sets_credentials():
    request = email_requested_by(EVENT)
    assert request is not None
    renderer = EmailRenderer(LinkPaths(base_url="https://app.test/"))
    email = renderer.render(request.template, request.context, request.secrets, None)
    assert email.subject == "Your Palace Pilates login is ready: sign in"
    assert "ada.l" in email.text and "ada.l" in email.html
    links = {word for word in email.text.split() if word.startswith("https://")}
    assert links == {"https://app.test/links/sign-in", "https://app.test/links/reset-password/new"}
    assert "create-login" not in email.text and "create-login" not in email.html
    assert "token=" not in email.text and "token=" not in email.html
