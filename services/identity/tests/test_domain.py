"""Identity's rules, in plain Python."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from frontdesk_identity.domain.accounts import Account, email_key, valid_username
from frontdesk_identity.domain.errors import PasswordRejected, UnknownAddress, WelcomeNotAllowed
from frontdesk_identity.domain.limits import LoginThrottle, Quota
from frontdesk_identity.domain.passwords import PasswordPolicy
from frontdesk_identity.domain.tokens import (
    Digester,
    LinkState,
    StoredToken,
    new_code,
    new_token,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)
POLICY = PasswordPolicy.with_common_list()


@pytest.mark.parametrize("password", ["84736251", "a" * 128, "correct horse", "ümlaut-pass"])
def test_passwords_of_8_to_128_characters_without_composition_rules_are_accepted(password):
    assert POLICY.check(password)


@pytest.mark.parametrize(
    ("password", "reason"),
    [("1234567", "at least 8"), ("a" * 129, "at most 128"), ("", "at least 8")],
)
def test_passwords_outside_the_length_bounds_are_refused(password, reason):
    with pytest.raises(PasswordRejected, match=reason):
        POLICY.check(password)


@pytest.mark.parametrize("password", ["password123", "PASSWORD123", "qwertyuiop", "iloveyou1"])
def test_common_passwords_from_the_repository_list_are_refused(password):
    with pytest.raises(PasswordRejected, match="too common"):
        POLICY.check(password)


def test_the_common_list_is_loaded_from_the_repository():
    assert len(POLICY.common) >= 90
    assert PasswordPolicy().check("password123")  # without the list: accepted


def test_tokens_have_at_least_128_random_bits_and_never_repeat():
    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000
    assert all(len(t) >= 43 for t in tokens)  # 256 bits in URL-safe base64
    assert all(len(c) == 6 and c.isdigit() for c in (new_code() for _ in range(100)))


def test_digests_are_keyed_and_compared_in_constant_time():
    digester = Digester(b"k" * 32)
    digest = digester.digest("token")
    assert digest != Digester(b"x" * 32).digest("token")
    assert digester.matches("token", digest)
    assert not digester.matches("tokem", digest)
    assert b"token" not in digest


def stored(**changes) -> StoredToken:  # type: ignore[no-untyped-def]
    values = {
        "id": "t",
        "account_id": "a",
        "purpose": "password_reset",
        "email": "a@b.co",
        "expires_at": NOW + timedelta(hours=1),
        "used_at": None,
        "ended_at": None,
        "ended_because": None,
    }
    return StoredToken(**{**values, **changes})


def test_a_link_state_says_why_it_stopped_working():
    assert stored().state(NOW) is LinkState.VALID
    assert stored().state(NOW + timedelta(hours=1)) is LinkState.EXPIRED
    assert stored(used_at=NOW).state(NOW) is LinkState.USED
    assert stored(ended_at=NOW, ended_because="superseded").state(NOW) is LinkState.SUPERSEDED
    assert stored(ended_at=NOW, ended_because="merged").state(NOW) is LinkState.REVOKED
    assert stored(used_at=NOW, ended_at=NOW).state(NOW) is LinkState.USED


def test_the_login_delay_is_free_at_first_then_doubles_up_to_a_cap():
    throttle = LoginThrottle(free_failures=3, base_delay=1.0, max_delay=10.0)
    assert [throttle.delay_after(n) for n in range(8)] == [0, 0, 0, 0, 1, 2, 4, 8]
    assert throttle.delay_after(50) == 10.0


def test_a_quota_allows_up_to_its_limit():
    assert Quota(5).allows(4)
    assert not Quota(5).allows(5)


def client(**changes) -> Account:  # type: ignore[no-untyped-def]
    values = {"id": "a", "origin": "import", "given_name": "G", "emails": ["G@x.example"]}
    return Account(**{**values, **changes})


def test_welcome_resend_goes_to_a_known_address_of_a_client_who_never_logged_in():
    assert client().check_welcome_resend("g@X.example") == "G@x.example"
    with pytest.raises(UnknownAddress):
        client().check_welcome_resend("other@x.example")


def test_welcome_resend_is_refused_once_the_client_logged_in():
    account = client(username="g", password_hash="h")
    assert account.record_login(NOW) is True
    assert account.record_login(NOW) is False
    with pytest.raises(WelcomeNotAllowed, match="password reset"):
        account.check_welcome_resend("g@x.example")


def test_a_signup_is_a_login_only_once_its_address_is_proven():
    signup = client(origin="signup", username="g", password_hash="h")
    assert not signup.has_login
    signup.email_verified_at = NOW
    assert signup.has_login
    signup.merged_into = "b"
    assert not signup.has_login


def test_addresses_match_case_insensitively_and_usernames_have_a_shape():
    assert email_key(" Ada@Example.COM ") == "ada@example.com"
    assert valid_username("ada.l_1")
    assert not valid_username("a b")
    assert not valid_username("a@b")


def test_only_a_studio_client_without_login_awaits_one_and_only_dead_links_renew():
    from frontdesk_identity.domain.tokens import RENEWABLE, LinkState

    client = Account(id="a", origin="admin", given_name="Ada", studio_id="s1")
    assert client.awaits_login
    client.password_hash = "argon2-hash"
    assert not client.awaits_login  # the login exists
    merged = Account(id="b", origin="import", given_name="Ada", studio_id="s1", merged_into="a")
    assert not merged.awaits_login
    assert {LinkState.EXPIRED, LinkState.SUPERSEDED} == RENEWABLE


@pytest.mark.parametrize(
    ("purpose", "state", "offer"),
    [
        ("password_reset", LinkState.EXPIRED, "request_reset"),
        ("create_login", LinkState.USED, "request_reset"),  # the login exists
        ("create_login", LinkState.REVOKED, "request_reset"),  # merged into a login
        ("email_verification", LinkState.USED, "request_reset"),
        ("email_verification", LinkState.EXPIRED, "resend_verification"),
        ("create_login", LinkState.EXPIRED, "renew_create_login"),
        ("create_login", LinkState.SUPERSEDED, "renew_create_login"),
        ("create_login", LinkState.UNKNOWN, "ask_the_studio"),
    ],
)
def test_a_dead_link_offers_the_one_way_back_in_that_fits(purpose, state, offer):
    from frontdesk_identity.domain.tokens import recovery

    assert recovery(purpose, state).value == offer


def test_a_refresh_token_works_once_and_a_reuse_is_told_apart():
    from uuid import uuid4

    from frontdesk_identity.domain.sessions import RefreshState, RefreshToken

    token = RefreshToken(uuid4(), "a", NOW + timedelta(days=1), None, None)
    assert token.state(NOW) is RefreshState.LIVE
    assert replace(token, used_at=NOW).state(NOW) is RefreshState.REUSED
    assert replace(token, used_at=NOW, session_ended_at=NOW).state(NOW) is RefreshState.DEAD
    assert token.state(NOW + timedelta(days=1)) is RefreshState.DEAD


def test_an_admin_is_told_which_email_quota_is_spent_and_when_to_retry():
    from frontdesk_identity.domain.limits import EmailQuotas, QuotaState

    quotas = EmailQuotas(per_address=5, per_ip=20, per_studio=500)
    assert quotas.address("password_reset", "A@x.co").key == "password_reset:a@x.co"
    studio_spent = quotas.spent(
        QuotaState(0, NOW + timedelta(seconds=90)), QuotaState(3, None), NOW
    )
    assert "studio" in str(studio_spent) and studio_spent.retry_after == 90
    address_spent = quotas.spent(QuotaState(7, None), QuotaState(0, NOW), NOW)
    assert "address" in str(address_spent) and address_spent.retry_after == 1.0
    assert Quota(2).state(2, NOW) == QuotaState(0, NOW + timedelta(hours=1))


def test_a_refused_admin_action_is_audited_with_why():
    from frontdesk_identity.domain.audit import AuditEntry
    from frontdesk_identity.domain.errors import ClientNotFound

    entry = AuditEntry("admin-1", "access_view", "s1", "a1")
    assert entry.refused(ClientNotFound("no")).outcome == "refused: client-not-found"
    assert entry.done("survivor") == replace(entry, account_id="survivor", outcome="done")
