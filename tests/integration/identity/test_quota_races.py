"""Email quotas hold when the requests they count arrive at once, not only one by one."""

from __future__ import annotations

import asyncio

import pytest

pytestmark = pytest.mark.integration


async def test_ten_resets_at_once_send_at_most_five_links(service, keys, events, steps):
    account_id = await steps.client_with_login(service, keys, events)
    asks = [
        service.http.post(
            "/v1/password-resets",
            json={"login": "ada@example.com"},
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        )
        for n in range(1, 11)
    ]
    answers = await asyncio.gather(*asks)
    assert {(a.status_code, a.text) for a in answers} == {(answers[0].status_code, answers[0].text)}
    await events.wait("PasswordResetRequested", count=5)
    await events.settle(1.5)
    assert events.types().count("PasswordResetRequested") == 5
    # One after the other, each link supersedes the one before: one link stays live.
    live = await service.app.state.deps.db.pool.fetchval(
        "SELECT count(*) FROM one_time_tokens WHERE account_id = $1"
        " AND purpose = 'password_reset' AND ended_at IS NULL AND used_at IS NULL",
        account_id,
    )
    assert live == 1


async def test_signups_at_once_from_one_ip_keep_to_its_quota(start, events):
    async with start(emails_per_ip_per_hour=3) as service:
        signups = [
            service.http.post(
                "/v1/signup",
                json={
                    "email": f"person{n}@example.com",
                    "username": f"person{n}",
                    "password": "a long enough phrase",
                    "given_name": "P",
                },
            )
            for n in range(8)
        ]
        answers = await asyncio.gather(*signups)
        assert {a.status_code for a in answers} == {202}
        await events.wait("EmailVerificationRequested", count=3)
        await events.settle(1.5)
        assert events.types().count("EmailVerificationRequested") == 3
