"""Each kind of email arrives with the right recipient, subject, text, HTML and link."""

from __future__ import annotations

import secrets
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest

from frontdesk_contracts import PasswordResetRequested, new_event
from frontdesk_testing import unique_address

from .conftest import PUBLIC_BASE_URL, admin_created, in_hours
from .helpers import wait_status

pytestmark = pytest.mark.integration


def token_of(link: str) -> str:
    [token] = parse_qs(urlsplit(link).query)["token"]
    return token


async def test_create_login_email_arrives_with_the_studio_and_a_working_link(service, inbox):
    email, token = unique_address("ada"), secrets.token_urlsafe(32)
    event = admin_created(service, email, token)
    await service.publish(event)

    message = await inbox.wait_for(email, timeout=30)

    assert message.to == [email]
    assert message.subject == "Create your login for Pilates Palace"
    link = message.link_containing("/links/create-login")
    assert link.startswith(f"{PUBLIC_BASE_URL}/links/create-login?token=")
    assert token_of(link) == token
    assert "Hello Ada" in (message.text or "") and link in (message.text or "")
    assert "Pilates Palace" in (message.html or "") and "Create your login" in (message.html or "")
    assert message.message_id.endswith("@frontdesk.test>")


async def test_password_reset_email_says_the_link_works_for_one_hour(service, inbox):
    email, token = unique_address("reset"), secrets.token_urlsafe(32)
    event = new_event(
        PasswordResetRequested(
            account_id=f"acc-{uuid.uuid4().hex[:8]}",
            email=email,
            requested_by="self",
            reset_token=service.seal(token),
            expires_at=in_hours(1),
        )
    )
    await service.publish(event)

    message = await inbox.wait_for(email, timeout=30)

    assert message.subject == "Reset your password"
    link = message.link_containing("/links/reset-password")
    assert token_of(link) == token
    assert "for one hour" in (message.text or "")
    assert "for one hour" in (message.html or "")
    assert "password" not in link.lower().split("?")[1]  # a link, never a password


async def test_welcome_resend_has_a_fresh_create_login_link(service, inbox):
    from frontdesk_contracts import WelcomeEmailRequested

    email, token = unique_address("resend"), secrets.token_urlsafe(32)
    event = new_event(
        WelcomeEmailRequested(
            account_id=f"acc-{uuid.uuid4().hex[:8]}",
            studio_id="studio-1",
            studio_name="Yoga Yard",
            admin_id="admin-1",
            email=email,
            given_name="Grace",
            create_login_token=service.seal(token),
            expires_at=in_hours(24 * 7),
        )
    )
    await service.publish(event)

    message = await inbox.wait_for(email, timeout=30)

    assert message.subject == "Your Yoga Yard account is waiting: create your login"
    assert token_of(message.link_containing("/links/create-login")) == token
    assert "Earlier links we sent you no longer work" in (message.text or "")
    assert "Yoga Yard" in (message.html or "")


async def test_a_create_login_link_asked_from_a_dead_link_arrives_and_works(service, inbox):
    from frontdesk_contracts import CreateLoginLinkRequested

    email, token = unique_address("again"), secrets.token_urlsafe(32)
    event = new_event(
        CreateLoginLinkRequested(
            account_id=f"acc-{uuid.uuid4().hex[:8]}",
            studio_id="studio-1",
            email=email,
            given_name="Grace",
            create_login_token=service.seal(token),
            expires_at=in_hours(24 * 7),
            supersedes=uuid.uuid4(),
            link_page=f"{PUBLIC_BASE_URL}/links/create-login",
        )
    )
    await service.publish(event)

    message = await inbox.wait_for(email, timeout=30)

    assert message.to == [email]
    assert "create your login" in message.subject
    link = message.link_containing("/links/create-login")
    assert link.startswith(f"{PUBLIC_BASE_URL}/links/create-login?token=")
    assert token_of(link) == token
    assert "Hello Grace" in (message.text or "") and link in (message.text or "")
    assert "Earlier links we sent you no longer work" in (message.text or "")


@pytest.mark.parametrize("purpose", ["signup", "merge_proof"])
async def test_verification_email_carries_the_code_and_the_link(service, inbox, purpose):
    from frontdesk_contracts import EmailVerificationRequested

    email, token, code = unique_address("verify"), secrets.token_urlsafe(32), "493817"
    event = new_event(
        EmailVerificationRequested(
            account_id=f"acc-{uuid.uuid4().hex[:8]}",
            email=email,
            purpose=purpose,
            link_token=service.seal(token),
            code=service.seal(code),
            expires_at=in_hours(0.25),
        )
    )
    await service.publish(event)

    message = await inbox.wait_for(email, timeout=30)

    # The code is in the body only: subjects show on lock screens and in mail logs.
    assert code not in message.subject and token not in message.subject
    assert f"Your code: {code}" in (message.text or "")
    assert code in (message.html or "")
    assert token_of(message.link_containing("/links/verify-email")) == token
    assert "15 minutes" in (message.text or "")
    expected = "studio accounts together" if purpose == "merge_proof" else "finish signing up"
    assert expected in (message.text or "")


async def test_owner_is_told_someone_tried_to_sign_up_with_their_address(service, inbox):
    from frontdesk_contracts import SignupAttemptedForExistingLogin

    email = unique_address("owner")
    event = new_event(
        SignupAttemptedForExistingLogin(account_id=f"acc-{uuid.uuid4().hex[:8]}", email=email)
    )
    await service.publish(event)

    message = await inbox.wait_for(email, timeout=30)

    assert message.subject == "Someone tried to sign up with your email address"
    assert "no new account was created" in (message.text or "")
    assert message.link_containing("/links/sign-in").startswith(PUBLIC_BASE_URL)
    assert "token=" not in " ".join(message.links)


async def test_password_changed_notice(service, inbox):
    from frontdesk_contracts import PasswordChanged

    email = unique_address("changed")
    event = new_event(
        PasswordChanged(account_id=f"acc-{uuid.uuid4().hex[:8]}", email=email, via="reset_link")
    )
    await service.publish(event)

    message = await inbox.wait_for(email, timeout=30)

    assert message.subject == "Your password was changed"
    assert "with a password-reset link" in (message.text or "")
    # "Ask for a password-reset link now" leads to the page that sends one.
    assert message.link_containing("/links/reset-password/new").startswith(PUBLIC_BASE_URL)
    assert "signed out" in (message.html or "")


async def test_accounts_merged_notice_names_the_studio_brand(service, inbox):
    from frontdesk_contracts import AccountsMerged

    email = unique_address("merged")
    event = new_event(
        AccountsMerged(
            account_id=f"acc-{uuid.uuid4().hex[:8]}",
            merged_account_ids=["acc-old-1"],
            studio_id="studio-brand",
            proposal_id="proposal-1",
            email=email,
        )
    )
    await service.publish(event)

    message = await inbox.wait_for(email, timeout=30)

    assert message.subject == "Your accounts were merged"
    assert "1 account merged" in (message.text or "")
    html = message.html or ""
    assert "#AA3366" in html and 'src="https://cdn.test/l.png"' in html


async def test_events_that_ask_for_no_email_send_none(service, inbox):
    from frontdesk_contracts import AccountsMerged, FirstLogin

    email = unique_address("none")
    no_address = new_event(
        AccountsMerged(
            account_id=f"acc-{uuid.uuid4().hex[:8]}",
            merged_account_ids=["acc-old-1"],
            studio_id="studio-1",
            proposal_id="proposal-2",
        )
    )
    first_login = new_event(FirstLogin(account_id=f"acc-{uuid.uuid4().hex[:8]}"))
    for event in (no_address, first_login):
        await service.publish(event)
    # Something that does send, published after them on the same partition key space.
    marker = admin_created(service, email, secrets.token_urlsafe(16))
    await service.publish(marker)
    await inbox.wait_for(email, timeout=30)

    for event in (no_address, first_login):
        assert await wait_status(service, event.id, timeout=0.5) == []
