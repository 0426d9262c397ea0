"""No token, code or password in a log line, a Kafka record or a database column."""

from __future__ import annotations

import logging

import pytest

from frontdesk_kit.logs import JsonFormatter

pytestmark = pytest.mark.integration


async def test_every_flow_leaves_no_secret_behind(service, keys, events, steps, caplog):
    caplog.set_level(logging.DEBUG)
    secrets: list[str] = []
    admin = keys.admin.identity()

    # Admin creates a client; the client creates a login and logs in, refreshes, logs out.
    created = await service.http.post(
        "/v1/admin/studios/studio-1/clients",
        json={"email": "ada@example.com", "given_name": "Ada"},
        headers=admin,
    )
    account_id = created.json()["account_id"]
    [welcome] = await events.wait("AccountCreatedByAdmin")
    _, token = steps.link_of(keys, welcome.payload, "create_login_token")
    first_password = "first secret phrase 1"
    secrets += [token, first_password]
    await service.http.get(f"/links/create-login?token={token}")
    await service.http.post(
        "/links/create-login",
        data={"token": token, "username": "ada", "password": first_password},
    )
    wrong = "wrong secret phrase 2"
    secrets.append(wrong)
    await steps.log_in(service, password=wrong)
    session = (await steps.log_in(service, password=first_password)).json()
    refreshed = (
        await service.http.post(
            "/v1/sessions/refresh", json={"refresh_token": session["refresh_token"]}
        )
    ).json()
    secrets += [session["refresh_token"], refreshed["refresh_token"], refreshed["access_token"]]
    await service.http.delete(
        "/v1/sessions/current", headers={"Authorization": f"Bearer {refreshed['access_token']}"}
    )

    # Forgot password and reset; an admin reset too.
    await service.http.post("/v1/password-resets", json={"login": "ada"})
    [reset] = await events.wait("PasswordResetRequested")
    _, reset_token = steps.link_of(keys, reset.payload, "reset_token")
    refused_password = "password123"  # on the common list: refused, never stored
    second_password = "second secret phrase 3"
    secrets += [reset_token, second_password]
    await service.http.post(
        "/links/reset-password", data={"token": reset_token, "password": refused_password}
    )
    await service.http.post(
        "/links/reset-password", data={"token": reset_token, "password": second_password}
    )
    await service.http.post(
        f"/v1/admin/studios/studio-1/clients/{account_id}/password-reset", headers=admin
    )
    admin_reset = (await events.wait("PasswordResetRequested", count=2))[1]
    secrets.append(steps.link_of(keys, admin_reset.payload, "reset_token")[1])

    # Sign up with a code, another with the link; a signup with a refused password.
    signup_passwords = ["signup secret phrase 4", "signup secret phrase 5"]
    for n, password in enumerate(signup_passwords):
        body = {
            "email": f"lin{n}@example.com",
            "username": f"lin{n}",
            "password": password,
            "given_name": "Lin",
        }
        await service.http.post("/v1/signup", json=body)
    secrets += signup_passwords
    # Two accounts, two partitions: the events may arrive in either order.
    [first] = await events.wait("EmailVerificationRequested", email="lin0@example.com")
    [second] = await events.wait("EmailVerificationRequested", email="lin1@example.com")
    code = keys.open(first.payload.code)
    secrets += [keys.open(first.payload.link_token), keys.open(second.payload.code)]
    verified = await service.http.post(
        "/v1/signup/verify", json={"email": "lin0@example.com", "code": code}
    )
    secrets += [verified.json()["refresh_token"], verified.json()["access_token"]]
    _, link_token = steps.link_of(keys, second.payload, "link_token")
    secrets.append(link_token)
    await service.http.post("/links/verify-email", data={"token": link_token})
    short = "shortpw"
    await service.http.post(
        "/v1/signup",
        json={"email": "x@example.com", "username": "x12", "password": short, "given_name": "X"},
    )
    await events.wait("SignupCompleted", count=2)

    # Scan all three places.
    await events.settle(1.0)
    kafka = b"\n".join(events.raw).decode("utf-8", "replace")
    database = await _dump_database(service.app.state.deps.db.pool)
    formatter = JsonFormatter("identity")
    # httpx's records are the test client's own (it logs the URLs it calls), not identity's.
    service_records = [r for r in caplog.records if not r.name.startswith("httpx")]
    logs = "\n".join(formatter.format(record) for record in service_records)
    assert any(r.name == "frontdesk.identity.http" for r in service_records)
    assert len(events.raw) >= 10 and "AccountCreatedByAdmin" in kafka
    assert "password_hash" not in database  # column names are not dumped, values are
    assert "$argon2id$" in database
    for secret in [*secrets, code, short]:
        assert secret not in kafka, "a secret reached Kafka"
        assert secret not in database, "a secret reached the database"
        assert secret not in logs, "a secret reached the logs"


async def _dump_database(pool) -> str:  # type: ignore[no-untyped-def]
    """Every value of every table of identity's database, as text."""
    tables = await pool.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    )
    values: list[str] = []
    for table in tables:
        for row in await pool.fetch(f'SELECT * FROM "{table["tablename"]}"'):  # noqa: S608
            for value in row.values():
                if isinstance(value, bytes | memoryview):
                    values.append(bytes(value).decode("latin-1"))
                else:
                    values.append(str(value))
    return "\n".join(values)
