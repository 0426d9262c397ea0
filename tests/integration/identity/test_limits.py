"""Email quotas never change the answer; failed logins slow further attempts down."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

pytestmark = pytest.mark.integration


async def test_at_most_five_reset_emails_per_address_per_hour(service, keys, events, steps):
    await steps.client_with_login(service, keys, events)
    answers = []
    for _ in range(7):
        answer = await service.http.post("/v1/password-resets", json={"login": "ada"})
        answers.append((answer.status_code, answer.json()))
    assert all(a == answers[0] for a in answers)  # the quota never shows
    await events.wait("PasswordResetRequested", count=5)
    await events.settle(1.0)
    assert events.types().count("PasswordResetRequested") == 5


async def test_the_per_ip_quota_covers_many_addresses(start, events):
    async with start(emails_per_ip_per_hour=3) as service:
        answers = set()
        for n in range(5):
            body = {
                "email": f"person{n}@example.com",
                "username": f"person{n}",
                "password": "a long enough phrase",
                "given_name": "P",
            }
            answer = await service.http.post("/v1/signup", json=body)
            answers.add((answer.status_code, str(answer.json())))
        assert len(answers) == 1
        await events.wait("EmailVerificationRequested", count=3)
        await events.settle(1.0)
        assert events.types().count("EmailVerificationRequested") == 3


async def test_the_per_studio_quota_holds_admin_emails_back(start, keys, events, publish):
    from frontdesk_contracts import ClientImported, new_event

    async with start(emails_per_studio_per_hour=2) as service:
        await publish(
            new_event(
                ClientImported(
                    studio_id="studio-1",
                    external_client_id="x",
                    given_name="G",
                    emails=["g@example.com"],
                )
            )
        )
        [imported] = await events.wait("AccountImported")
        url = f"/v1/admin/studios/studio-1/clients/{imported.payload.account_id}/welcome-email"
        answers = []
        for _ in range(3):
            sent = await service.http.post(
                url, json={"email": "g@example.com"}, headers=keys.admin.identity()
            )
            answers.append(sent.status_code)
        assert answers == [202, 202, 429]  # the admin is told, not answered 202 silently
        await events.wait("WelcomeEmailRequested", count=2)
        await events.settle(1.0)
        assert events.types().count("WelcomeEmailRequested") == 2
        outcomes = await service.app.state.deps.db.pool.fetch(
            "SELECT outcome FROM admin_audit ORDER BY id"
        )
        assert [r["outcome"] for r in outcomes] == ["done", "done", "refused: email-quota-spent"]


async def test_failed_logins_are_slowed_down_per_account(service, keys, events, steps):
    await steps.client_with_login(service, keys, events)
    for _ in range(3):  # the free failures
        assert (await steps.log_in(service, password="wrong password")).status_code == 401
    assert (await steps.log_in(service, password="wrong password")).status_code == 401
    # Now the delay runs: even the right password waits.
    slowed = await steps.log_in(service)
    assert slowed.status_code == 429
    assert int(slowed.headers["Retry-After"]) >= 1
    assert slowed.headers["content-type"] == "application/problem+json"
    # Another account is not slowed by ada's failures.
    other = await steps.log_in(service, login="nobody", password="wrong password")
    assert other.status_code == 401


async def test_the_delay_grows_and_ends(start, keys, events, steps, time_machine):
    async with start(login_free_failures=1, login_base_delay_seconds=0.5) as service:
        await steps.client_with_login(service, keys, events)
        # The throttle reads identity's clock (Python's, not PostgreSQL's now()): stop it
        # and move it by hand, so each step is exactly as far apart as it says.
        time_machine.move_to(datetime.now(UTC), tick=False)
        wrong = {"password": "wrong password"}
        assert (await steps.log_in(service, **wrong)).status_code == 401  # free
        assert (await steps.log_in(service, **wrong)).status_code == 401  # 0.5 s from now
        assert (await steps.log_in(service)).status_code == 429
        time_machine.shift(0.6)
        assert (await steps.log_in(service, **wrong)).status_code == 401  # now 1 s
        time_machine.shift(0.6)
        assert (await steps.log_in(service)).status_code == 429  # 0.6 s < 1 s: still waiting
        time_machine.shift(0.5)
        assert (await steps.log_in(service)).status_code == 200
        assert (await steps.log_in(service, **wrong)).status_code == 401  # success cleared it


async def test_failed_logins_are_slowed_down_per_ip(start, keys, events, steps):
    async with start(login_free_failures=100, ip_login_failures_before_delay=3) as service:
        for n in range(4):
            answer = await steps.log_in(service, login=f"user{n}", password="wrong password")
            assert answer.status_code == 401
        assert (await steps.log_in(service, login="user9")).status_code == 429
