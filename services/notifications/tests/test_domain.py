"""The rules: which email an event asks for, when a message is held back, retry timing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from frontdesk_contracts import (
    AccountsMerged,
    FirstLogin,
    PasswordChanged,
    SignupAttemptedForExistingLogin,
    generate_key_pair,
    new_event,
    seal,
)
from frontdesk_notifications.domain.delivery import BackoffSchedule, SendFacts, hold
from frontdesk_notifications.domain.requests import email_requested_by, message_id_for

NOW = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
KEYS = generate_key_pair("k1")


def facts(**overrides: object) -> SendFacts:
    values: dict[str, object] = {
        "now": NOW,
        "expires_at": NOW + timedelta(hours=1),
        "superseded": False,
        "recipient_suppressed": False,
        "sent_to_recipient_in_window": 0,
        "rate_limit": 3,
        **overrides,
    }
    return SendFacts(**values)  # type: ignore[arg-type]


def test_a_fresh_message_may_go_out():
    assert hold(facts()) is None
    assert hold(facts(expires_at=None)) is None


@pytest.mark.parametrize(
    ("overrides", "reason", "status"),
    [
        ({"recipient_suppressed": True, "superseded": True}, "suppressed", "suppressed"),
        ({"superseded": True, "expires_at": NOW}, "superseded", "cancelled"),
        ({"expires_at": NOW}, "expired", "cancelled"),
        ({"sent_to_recipient_in_window": 3}, "rate_limited", "cancelled"),
    ],
)
def test_held_back_messages_and_which_reason_wins(overrides, reason, status):
    held = hold(facts(**overrides))
    assert held is not None and held.reason == reason and held.status == status


def test_retries_back_off_exponentially_with_jitter_up_to_the_limit():
    policy = BackoffSchedule(max_attempts=4, first_delay=2, max_delay=5)
    delays = [(policy.next_attempt(n, NOW) - NOW).total_seconds() for n in (1, 2, 3)]  # type: ignore[operator]
    assert 1 <= delays[0] <= 2 and 2 <= delays[1] <= 4 and 2.5 <= delays[2] <= 5
    assert policy.next_attempt(4, NOW) is None


def test_message_ids_are_stable_per_event_and_kind():
    event = new_event(FirstLogin(account_id="a"))
    assert message_id_for(event.id, "create_login") == message_id_for(event.id, "create_login")
    assert message_id_for(event.id, "create_login") != message_id_for(event.id, "password_reset")


def test_events_without_an_email_ask_for_none():
    assert email_requested_by(FirstLogin(account_id="a")) is None
    merged = AccountsMerged(
        account_id="a", merged_account_ids=["b"], studio_id="s", proposal_id="p"
    )
    assert email_requested_by(merged) is None


def test_requests_keep_secrets_sealed_and_facts_plain():
    from frontdesk_contracts import EmailVerificationRequested

    payload = EmailVerificationRequested(
        account_id="a",
        email="a@example.test",
        purpose="signup",
        link_token=seal("link-secret", KEYS.public_key, "k1"),
        code=seal("123456", KEYS.public_key, "k1"),
        expires_at=NOW,
    )
    request = email_requested_by(payload)
    assert request is not None
    assert set(request.secrets) == {"token", "code"}
    assert "link-secret" not in repr(request.context) and "123456" not in repr(request.context)


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        (
            SignupAttemptedForExistingLogin(account_id="a", email="a@example.test"),
            "signup_attempt_existing_login",
        ),
        (
            PasswordChanged(account_id="a", email="a@example.test", via="settings"),
            "password_changed",
        ),
    ],
)
def test_notices_go_to_the_address_of_the_event(payload, kind):
    request = email_requested_by(payload)
    assert request is not None and request.kind == kind and request.recipient == "a@example.test"


def test_a_create_login_link_asked_from_a_dead_link_is_a_create_login_email():
    from uuid import uuid4

    from frontdesk_contracts import CreateLoginLinkRequested

    old_link = uuid4()
    payload = CreateLoginLinkRequested(
        account_id="a",
        studio_id="s",
        email="a@example.test",
        given_name="Ada",
        family_name="Lovelace",
        create_login_token=seal("link-secret", KEYS.public_key, "k1"),
        expires_at=NOW + timedelta(days=7),
        supersedes=old_link,
        link_page="https://id.example.test/links/create-login",
    )
    request = email_requested_by(payload)

    assert request is not None
    assert (request.kind, request.template) == ("create_login", "welcome_resend")
    assert request.recipient == "a@example.test" and request.studio_id == "s"
    assert request.supersedes == old_link and request.expires_at == NOW + timedelta(days=7)
    assert request.context["full_name"] == "Ada Lovelace"
    assert request.context["studio_name"] is None  # identity does not know it
    assert request.context["link_page"] == "https://id.example.test/links/create-login"
    assert set(request.secrets) == {"token"} and "link-secret" not in repr(request.context)
