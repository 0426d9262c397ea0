"""The real handlers over fake repositories, wired by bootstrap: the rules, fast."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from argon2 import extract_parameters

from frontdesk_contracts import (
    ClientImported,
    ClientsMerged,
    new_event,
)
from frontdesk_identity.adapters.crypto import PasswordHasher
from frontdesk_identity.domain.commands import (
    CompleteReset,
    CreateClient,
    CreateLogin,
    LogIn,
    RequestPasswordReset,
    ResendWelcome,
    SignUp,
    VerifyEmail,
)
from frontdesk_identity.domain.errors import (
    ClientNotFound,
    EmailQuotaSpent,
    InvalidCode,
    InvalidCredentials,
    LinkNotUsable,
    PasswordRejected,
    TooManyAttempts,
    UsernameTaken,
    WelcomeNotAllowed,
)
from frontdesk_identity.service_layer import admin, events, links, sessions, signup
from frontdesk_identity.service_layer.link_tokens import issue_link
from frontdesk_kit.gateway import AdminAssertion
from frontdesk_testing import FakeClock

ADMIN = AdminAssertion("admin-1", frozenset({"s1"}), {"s1": "Studio One"})
PASSWORD = "correct horse battery"


def last(deps, event_type: str):  # type: ignore[no-untyped-def]
    return [e for e in deps.db.state.published if e.type == event_type][-1]


async def client_with_login(deps, ring) -> str:  # type: ignore[no-untyped-def]
    cmd = CreateClient("s1", "ada@example.com", "Ada", None, None)
    account_id = await admin.create_client(deps, ADMIN, cmd)
    token = ring.open(last(deps, "AccountCreatedByAdmin").payload.create_login_token).reveal()
    await links.create_login(deps, CreateLogin(token, "ada", PASSWORD))
    return account_id


async def test_a_create_login_link_works_once(deps, ring):
    await client_with_login(deps, ring)
    event = last(deps, "AccountCreatedByAdmin")
    token = ring.open(event.payload.create_login_token).reveal()
    with pytest.raises(LinkNotUsable) as used:
        await links.create_login(deps, CreateLogin(token, "ada2", PASSWORD))
    assert used.value.state == "used"
    assert deps.db.types() == ["AccountCreatedByAdmin", "LoginCreated"]


async def test_an_admin_acts_only_in_their_studios(deps):
    with pytest.raises(ClientNotFound):
        await admin.create_client(deps, ADMIN, CreateClient("s2", "a@example.com", "A", None, None))
    assert deps.db.types() == []


async def test_forgot_password_for_an_unknown_login_sends_nothing(deps, ring):
    await client_with_login(deps, ring)
    await links.request_password_reset(deps, RequestPasswordReset("nobody", "1.2.3.4"))
    await deps.uniform_work.drain()
    assert "PasswordResetRequested" not in deps.db.types()
    await links.request_password_reset(deps, RequestPasswordReset("ada", "1.2.3.4"))
    await deps.uniform_work.drain()
    assert last(deps, "PasswordResetRequested").payload.requested_by == "self"


async def test_reset_quota_per_address(deps, ring):
    await client_with_login(deps, ring)
    for _ in range(6):
        await links.request_password_reset(deps, RequestPasswordReset("ada", "1.2.3.4"))
        await deps.uniform_work.drain()
    assert deps.db.types().count("PasswordResetRequested") == 5


async def test_a_reset_sets_the_password_and_ends_every_session(deps, ring):
    account_id = await client_with_login(deps, ring)
    pair = await sessions.log_in(deps, LogIn("ada", PASSWORD, "1.2.3.4"))
    await links.request_password_reset(deps, RequestPasswordReset("ada", "1.2.3.4"))
    await deps.uniform_work.drain()
    token = ring.open(last(deps, "PasswordResetRequested").payload.reset_token).reveal()
    with pytest.raises(PasswordRejected):
        await links.complete_reset(deps, CompleteReset(token, "password1"))
    await links.complete_reset(deps, CompleteReset(token, "a brand new phrase"))
    assert last(deps, "PasswordChanged").payload.account_id == account_id
    assert last(deps, "SessionsRevoked").payload.reason == "password_changed"
    with pytest.raises(Exception, match="refresh token"):
        await sessions.refresh_session(deps, pair.refresh_token)
    with pytest.raises(InvalidCredentials):
        await sessions.log_in(deps, LogIn("ada", PASSWORD, "1.2.3.4"))


async def test_logins_slow_down_after_failures_and_recover(deps, ring):
    await client_with_login(deps, ring)
    clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
    deps.clock = clock
    for _ in range(4):  # three free failures, then the fourth starts a 1 s delay
        with pytest.raises(InvalidCredentials):
            await sessions.log_in(deps, LogIn("ada", "wrong password", "1.2.3.4"))
    with pytest.raises(TooManyAttempts) as slowed:
        await sessions.log_in(deps, LogIn("ada", PASSWORD, "1.2.3.4"))
    assert slowed.value.retry_after == pytest.approx(1.0)
    clock.advance(seconds=1.01)
    assert (await sessions.log_in(deps, LogIn("ada", PASSWORD, "1.2.3.4"))).access_token


async def test_resend_welcome_only_before_the_first_login(deps, ring):
    account_id = await client_with_login(deps, ring)
    cmd = ResendWelcome("s1", account_id, "ADA@example.com")
    await admin.resend_welcome(deps, ADMIN, cmd)
    # A login exists: the resend says "your login is ready", with no create-login link.
    ready = last(deps, "LoginReadyEmailRequested")
    assert ready.payload.email == "ada@example.com"
    assert ready.payload.username == "ada"
    assert "create_login_token" not in ready.payload.model_dump()
    assert not [e for e in deps.db.state.published if e.type == "WelcomeEmailRequested"]
    await sessions.log_in(deps, LogIn("ada", PASSWORD, "1.2.3.4"))
    with pytest.raises(WelcomeNotAllowed):
        await admin.resend_welcome(deps, ADMIN, cmd)


async def test_an_import_is_idempotent_on_studio_and_external_id(deps):
    payload = ClientImported(studio_id="s1", external_client_id="e1", given_name="G")
    for event in (new_event(payload), new_event(payload)):
        await events.import_clients(deps, [event])
    assert deps.db.types() == ["AccountImported"]


async def test_a_merge_kills_the_merged_accounts_links(deps, ring):
    imported = ClientImported(
        studio_id="s1", external_client_id="e1", given_name="G", emails=["g@example.com"]
    )
    await events.import_clients(deps, [new_event(imported)])
    old_id = last(deps, "AccountImported").payload.account_id
    await admin.resend_welcome(deps, ADMIN, ResendWelcome("s1", old_id, "g@example.com"))
    token = ring.open(last(deps, "WelcomeEmailRequested").payload.create_login_token).reveal()
    survivor = await client_with_login(deps, ring)
    merge = ClientsMerged(
        proposal_id="p",
        surviving_account_id=survivor,
        merged_account_ids=[old_id],
        studio_id="s1",
        client_record_id="r",
        merged_by=survivor,
        merged_by_role="client",
    )
    await events.apply_merge(deps, new_event(merge))
    assert last(deps, "AccountsMerged").payload.merged_account_ids == [old_id]
    with pytest.raises(LinkNotUsable):
        await links.create_login(deps, CreateLogin(token, "g", PASSWORD))


async def test_signup_verification_by_code_with_limited_guesses(deps, ring):
    cmd = SignUp("lin@example.com", "lin", PASSWORD, "Lin", None, "1.2.3.4")
    await signup.sign_up(deps, cmd)
    await deps.uniform_work.drain()
    code = ring.open(last(deps, "EmailVerificationRequested").payload.code).reveal()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        with pytest.raises(InvalidCode):
            await signup.verify_email(deps, VerifyEmail(email="lin@example.com", code=wrong))
    with pytest.raises(InvalidCode):
        await signup.verify_email(deps, VerifyEmail(email="lin@example.com", code=code))
    assert "SignupCompleted" not in deps.db.types()


async def test_switching_between_username_and_email_does_not_dodge_the_throttle(deps, ring):
    await client_with_login(deps, ring)
    for login in ("ada", "ADA@example.com", "ada", "ada@example.com"):
        with pytest.raises(InvalidCredentials):
            await sessions.log_in(deps, LogIn(login, "wrong password", "1.2.3.4"))
    with pytest.raises(TooManyAttempts):
        await sessions.log_in(deps, LogIn("ada", PASSWORD, "5.6.7.8"))


async def test_a_verified_signup_names_every_studio_record_without_login(deps, ring):
    no_login = await admin.create_client(
        deps, ADMIN, CreateClient("s1", "lin@example.com", "Lin", None, None)
    )
    other = AdminAssertion("admin-2", frozenset({"s2"}), {})
    with_login_id = await admin.create_client(
        deps, other, CreateClient("s2", "LIN@example.com", "Lin", None, None)
    )
    token = ring.open(last(deps, "AccountCreatedByAdmin").payload.create_login_token).reveal()
    await links.create_login(deps, CreateLogin(token, "linn", PASSWORD))
    # The address now belongs to a login: signing up with it only tells the owner.
    await signup.sign_up(deps, SignUp("lin@example.com", "lin", PASSWORD, "L", None, "ip"))
    await deps.uniform_work.drain()
    assert last(deps, "SignupAttemptedForExistingLogin").payload.account_id == with_login_id
    assert "EmailVerificationRequested" not in deps.db.types()
    # Another address shared with the login-less record only.
    deps.db.state.accounts[no_login].emails.append("l2@example.com")
    await signup.sign_up(deps, SignUp("l2@example.com", "lin2", PASSWORD, "L", None, "ip"))
    await deps.uniform_work.drain()
    code = ring.open(last(deps, "EmailVerificationRequested").payload.code).reveal()
    await signup.verify_email(deps, VerifyEmail(email="l2@example.com", code=code))
    matched = last(deps, "SignupMatchedExisting").payload
    assert [(m.account_id, m.studio_id) for m in matched.matches] == [(no_login, "s1")]


async def test_no_create_login_link_sets_credentials_once_a_login_exists(deps, ring):
    account_id = await client_with_login(deps, ring)
    async with deps.db.transaction() as tx:  # a link issued by any path, even a stale one
        link = await issue_link(deps, tx, account_id, "create_login", "ada@example.com")
    token = ring.open(link.sealed_token).reveal()
    with pytest.raises(LinkNotUsable):
        await links.create_login(deps, CreateLogin(token, "mallory", "another long phrase"))
    assert (await sessions.log_in(deps, LogIn("ada", PASSWORD, "1.2.3.4"))).access_token
    assert deps.db.types().count("LoginCreated") == 1


async def test_the_access_view_tells_what_a_resend_would_send(deps, ring):
    cmd = CreateClient("s1", "bo@example.com", "Bo", None, None)
    waiting = await admin.create_client(deps, ADMIN, cmd)
    view = await admin.access_view(deps, ADMIN, "s1", waiting)
    assert (view.has_login, view.resend_welcome_allowed, view.resend_sends) == (
        False,
        True,
        "create_login",
    )
    ready = await client_with_login(deps, ring)
    view = await admin.access_view(deps, ADMIN, "s1", ready)
    assert (view.has_login, view.ever_logged_in) == (True, False)
    assert (view.resend_welcome_allowed, view.resend_sends) == (False, "login_ready")
    await sessions.log_in(deps, LogIn("ada", PASSWORD, "1.2.3.4"))
    view = await admin.access_view(deps, ADMIN, "s1", ready)
    assert (view.resend_welcome_allowed, view.resend_sends) == (False, None)


async def import_home_and_work(deps) -> str:  # type: ignore[no-untyped-def]
    imported = ClientImported(
        studio_id="s1",
        external_client_id="e1",
        given_name="Grace",
        emails=["home@example.com", "work@example.com"],
    )
    await events.import_clients(deps, [new_event(imported)])
    return str(last(deps, "AccountImported").payload.account_id)


async def test_credential_emails_go_to_the_typed_or_last_proven_address(deps, ring):
    account_id = await import_home_and_work(deps)
    resend = ResendWelcome("s1", account_id, "work@example.com")
    await admin.resend_welcome(deps, ADMIN, resend)
    token = ring.open(last(deps, "WelcomeEmailRequested").payload.create_login_token).reveal()
    await links.create_login(deps, CreateLogin(token, "grace", PASSWORD))

    for login in ("WORK@example.com", "grace"):
        await links.request_password_reset(deps, RequestPasswordReset(login, "1.2.3.4"))
        await deps.uniform_work.drain()
        assert last(deps, "PasswordResetRequested").payload.email == "work@example.com"
    await admin.send_password_reset(deps, ADMIN, "s1", account_id)
    assert last(deps, "PasswordResetRequested").payload.email == "work@example.com"
    # Typed and one of the account's: it goes there (and using it proves it).
    await links.request_password_reset(deps, RequestPasswordReset("home@example.com", "ip"))
    await deps.uniform_work.drain()
    reset = last(deps, "PasswordResetRequested").payload
    assert reset.email == "home@example.com"
    await links.complete_reset(
        deps, CompleteReset(ring.open(reset.reset_token).reveal(), "a new long phrase")
    )
    assert last(deps, "PasswordChanged").payload.email == "home@example.com"
    await links.request_password_reset(deps, RequestPasswordReset("grace", "1.2.3.4"))
    await deps.uniform_work.drain()
    assert last(deps, "PasswordResetRequested").payload.email == "home@example.com"


async def test_a_spent_studio_quota_refuses_admin_emails_and_creates_count(deps, ring):
    deps.settings = deps.settings.model_copy(update={"emails_per_studio_per_hour": 2})
    for n in range(2):
        cmd = CreateClient("s1", f"c{n}@example.com", "C", None, None)
        first = await admin.create_client(deps, ADMIN, cmd)
    view = await admin.access_view(deps, ADMIN, "s1", first)
    assert view.email_quota.remaining == 0 and view.email_quota.resets_at is not None
    with pytest.raises(EmailQuotaSpent) as spent:
        await admin.create_client(
            deps, ADMIN, CreateClient("s1", "c3@example.com", "C", None, None)
        )
    assert 3500 < spent.value.retry_after <= 3600
    with pytest.raises(EmailQuotaSpent):
        await admin.resend_welcome(deps, ADMIN, ResendWelcome("s1", first, "c1@example.com"))
    assert deps.db.types().count("AccountCreatedByAdmin") == 2
    assert "WelcomeEmailRequested" not in deps.db.types()


async def test_the_last_known_studio_name_fills_in_for_a_nameless_assertion(deps, ring):
    account_id = await import_home_and_work(deps)
    await admin.create_client(deps, ADMIN, CreateClient("s1", "x@example.com", "X", None, None))
    nameless = AdminAssertion("admin-2", frozenset({"s1"}), {})
    await admin.resend_welcome(deps, nameless, ResendWelcome("s1", account_id, "home@example.com"))
    assert last(deps, "WelcomeEmailRequested").payload.studio_name == "Studio One"


async def test_signup_answers_alike_for_a_taken_username_and_settles_it_on_proof(deps, ring):
    await client_with_login(deps, ring)  # "ada" is taken
    await signup.sign_up(deps, SignUp("eve@example.com", "ADA", PASSWORD, "Eve", None, "ip"))
    await deps.uniform_work.drain()
    await signup.sign_up(deps, SignUp("lin@example.com", "lin", PASSWORD, "Lin", None, "ip"))
    await deps.uniform_work.drain()
    taken, free = [
        e.payload for e in deps.db.state.published if e.type == "EmailVerificationRequested"
    ]
    with pytest.raises(UsernameTaken):
        await signup.verify_email(deps, VerifyEmail(token=ring.open(taken.link_token).reveal()))
    assert "SignupCompleted" not in deps.db.types()
    assert (await sessions.log_in(deps, LogIn("ada", PASSWORD, "ip"))).access_token
    await signup.verify_email(deps, VerifyEmail(token=ring.open(free.link_token).reveal()))
    assert last(deps, "SignupCompleted").payload.username == "lin"


async def test_two_unproven_signups_may_want_one_username_the_first_prover_gets_it(deps, ring):
    for email in ("one@example.com", "two@example.com"):
        await signup.sign_up(deps, SignUp(email, "same", PASSWORD, "S", None, "ip"))
        await deps.uniform_work.drain()
    one, two = [
        e.payload for e in deps.db.state.published if e.type == "EmailVerificationRequested"
    ]
    await signup.verify_email(deps, VerifyEmail(token=ring.open(two.link_token).reveal()))
    with pytest.raises(UsernameTaken):
        await signup.verify_email(deps, VerifyEmail(token=ring.open(one.link_token).reveal()))
    assert last(deps, "SignupCompleted").payload.email == "two@example.com"


def argon2_parameters(stored: str | None) -> tuple[int, int, int]:
    """(time cost, memory KiB, lanes) a stored argon2id hash was made with."""
    assert stored is not None
    found = extract_parameters(stored)
    return found.time_cost, found.memory_cost, found.parallelism


async def test_a_login_redoes_a_hash_made_with_other_costs_and_keeps_the_password(deps, ring):
    """Operators change the argon2 cost in the settings; each client's hash follows at
    their next successful login, and the same password still works afterwards."""
    account_id = await client_with_login(deps, ring)
    old = PasswordHasher(time_cost=2, memory_kib=2048, parallelism=1)
    async with deps.db.transaction() as uow:
        account = await uow.accounts.get(account_id)
        account.password_hash = await old.hash(PASSWORD)
        await uow.accounts.save(account)

    with pytest.raises(InvalidCredentials):  # a wrong password changes nothing
        await sessions.log_in(deps, LogIn("ada", "wrong password", "1.2.3.4"))
    assert argon2_parameters(await stored_hash(deps, account_id)) == (2, 2048, 1)

    await sessions.log_in(deps, LogIn("ada", PASSWORD, "1.2.3.4"))
    assert argon2_parameters(await stored_hash(deps, account_id)) == (1, 1024, 1)
    await sessions.log_in(deps, LogIn("ada", PASSWORD, "1.2.3.4"))  # still the password


async def stored_hash(deps, account_id: str) -> str | None:  # type: ignore[no-untyped-def]
    async with deps.db.transaction() as uow:
        account = await uow.accounts.get(account_id)
    return account.password_hash


async def test_a_password_changed_while_a_login_checks_the_old_one_gets_no_session(deps, ring):
    """The password is checked outside any transaction; if the account's password changed
    meanwhile (a reset completed), the old password must not open a session."""
    account_id = await client_with_login(deps, ring)
    checking = deps.hasher

    class ResetDuringTheCheck:
        def __getattr__(self, name: str) -> Any:
            return getattr(checking, name)

        async def verify(self, stored: str | None, password: str) -> bool:
            matched = await checking.verify(stored, password)
            async with deps.db.transaction() as uow:  # the reset commits in between
                account = await uow.accounts.get(account_id)
                account.password_hash = await checking.hash("a brand new password 42")
                await uow.accounts.save(account)
            return matched

    def sessions_of_ada() -> int:
        return sum(s["account_id"] == account_id for s in deps.db.state.sessions.values())

    before = sessions_of_ada()
    deps.hasher = ResetDuringTheCheck()
    with pytest.raises(InvalidCredentials):
        await sessions.log_in(deps, LogIn("ada", PASSWORD, "1.2.3.4"))
    deps.hasher = checking
    assert sessions_of_ada() == before
    assert (await sessions.log_in(deps, LogIn("ada", "a brand new password 42", "ip"))).access_token


async def test_a_weak_signup_password_is_refused_before_any_work(deps):
    with pytest.raises(PasswordRejected):
        await signup.sign_up(deps, SignUp("lin@example.com", "lin", "password1", "L", None, "ip"))
    assert deps.uniform_work.running == 0
    assert deps.db.state.deferred == {}  # nothing kept to do later either
