"""Forgot-password and signup answered just before identity died are carried out once
it runs again: the request was kept in identity's database before the answer."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from .conftest import running

pytestmark = pytest.mark.integration


class DiesAfterAnswering:
    """In place of identity's `BackgroundWork`: the work is never started, as when the
    process is killed right after it answered."""

    running = failed = 0

    async def start(self, work: Any) -> None:
        return None

    async def drain(self, timeout: float | None = None) -> None:
        return None


async def test_requests_answered_before_a_crash_are_carried_out_after_the_restart(
    settings_for, database, keys, events, steps
):
    async with running(settings_for()) as doomed:
        await steps.client_with_login(doomed, keys, events)
        doomed.app.state.deps.uniform_work = DiesAfterAnswering()
        forgot = await doomed.http.post("/v1/password-resets", json={"login": "ada"})
        signup = await doomed.http.post(
            "/v1/signup",
            json={
                "email": "lin@example.com",
                "username": "lin",
                "password": "amber rowing boat",
                "given_name": "Lin",
            },
        )
    assert forgot.status_code == signup.status_code == 202
    conn = await asyncpg.connect(database)
    try:
        kept = await conn.fetch("SELECT kind, request::text AS fields FROM deferred_requests")
        assert sorted(row["kind"] for row in kept) == ["password_reset", "signup"]
        assert all("amber rowing boat" not in row["fields"] for row in kept)  # hashed only
        # The restart comes later than a request's own process would have done it.
        await conn.execute("UPDATE deferred_requests SET received_at = now() - interval '1 min'")
    finally:
        await conn.close()
    assert "PasswordResetRequested" not in [e.type for e in await events.settle(1.0)]

    async with running(settings_for()):
        [reset] = await events.wait("PasswordResetRequested")
        [verify] = await events.wait("EmailVerificationRequested", email="lin@example.com")
        assert verify.payload.purpose == "signup"
        await events.settle(2.0)
    assert reset.payload.requested_by == "self"
    assert events.types().count("PasswordResetRequested") == 1
    assert events.types().count("EmailVerificationRequested") == 1
    conn = await asyncpg.connect(database)
    try:
        assert await conn.fetchval("SELECT count(*) FROM deferred_requests") == 0
    finally:
        await conn.close()
