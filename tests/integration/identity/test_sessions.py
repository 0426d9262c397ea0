"""Login, rotating refresh tokens, logout, FirstLogin, readiness."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


async def refresh(service, token: str):  # type: ignore[no-untyped-def]
    return await service.http.post("/v1/sessions/refresh", json={"refresh_token": token})


async def test_refresh_tokens_rotate_and_a_reused_one_ends_the_session(
    service, keys, events, steps
):
    await steps.client_with_login(service, keys, events)
    first = (await steps.log_in(service)).json()
    assert first["token_type"] == "Bearer" and first["expires_in"] == 900
    second = await refresh(service, first["refresh_token"])
    assert second.status_code == 200
    assert second.json()["refresh_token"] != first["refresh_token"]
    # The old one again (a thief, or a replay): refused, and the whole session ends.
    reused = await refresh(service, first["refresh_token"])
    assert reused.status_code == 401
    assert (await refresh(service, second.json()["refresh_token"])).status_code == 401
    me = {"Authorization": f"Bearer {second.json()['access_token']}"}
    assert (await service.http.get("/v1/me", headers=me)).status_code == 401


async def test_logout_ends_the_session_but_not_the_others(service, keys, events, steps):
    account_id = await steps.client_with_login(service, keys, events)
    phone = (await steps.log_in(service)).json()
    laptop = (await steps.log_in(service)).json()
    bye = {"Authorization": f"Bearer {phone['access_token']}"}
    assert (await service.http.delete("/v1/sessions/current", headers=bye)).status_code == 204
    assert (await service.http.get("/v1/me", headers=bye)).status_code == 401
    assert (await refresh(service, phone["refresh_token"])).status_code == 401
    still = {"Authorization": f"Bearer {laptop['access_token']}"}
    assert (await service.http.get("/v1/me", headers=still)).json()["account_id"] == account_id
    # FirstLogin once, for the first of the two logins only.
    await events.settle(1.0)
    assert events.types().count("FirstLogin") == 1


async def test_wrong_passwords_and_unknown_users_get_the_same_answer(service, keys, events, steps):
    await steps.client_with_login(service, keys, events)
    wrong = await steps.log_in(service, password="not the password")
    unknown = await steps.log_in(service, login="nobody", password="not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    bad_token = {"Authorization": "Bearer nonsense"}
    assert (await service.http.get("/v1/me", headers=bad_token)).status_code == 401
    assert (await refresh(service, "x" * 43)).status_code == 401


async def test_a_password_change_revokes_sessions_for_token_verifiers(service, keys, events, steps):
    account_id = await steps.client_with_login(service, keys, events)
    await service.http.post("/v1/password-resets", json={"login": "ada"})
    [reset] = await events.wait("PasswordResetRequested")
    _, token = steps.link_of(keys, reset.payload, "reset_token")
    await service.http.post(
        "/links/reset-password", data={"token": token, "password": "a brand new phrase"}
    )
    [revoked] = await events.wait("SessionsRevoked")
    assert revoked.payload.account_id == account_id
    assert revoked.payload.reason == "password_changed"


async def test_ready_once_started(service):
    ready = await service.http.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "migrations": "ok", "kafka": "ok"}


async def test_a_login_stores_a_hash_of_todays_cost_in_the_database(service, keys, events, steps):
    """A hash made with other argon2 parameters (an operator changed the cost) is replaced
    in PostgreSQL at the next successful login; the password keeps working."""
    from argon2 import PasswordHasher, extract_parameters

    account_id = await steps.client_with_login(service, keys, events)
    pool = service.app.state.running.pool
    older = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1).hash(steps.PASSWORD)
    await pool.execute("UPDATE accounts SET password_hash = $2 WHERE id = $1", account_id, older)

    assert (await steps.log_in(service)).status_code == 200
    stored = await pool.fetchval("SELECT password_hash FROM accounts WHERE id = $1", account_id)
    found = extract_parameters(stored)
    settings = service.settings
    assert (found.time_cost, found.memory_cost) == (
        settings.argon2_time_cost,
        settings.argon2_memory_kib,
    )
    assert stored != older
    assert (await steps.log_in(service)).status_code == 200
