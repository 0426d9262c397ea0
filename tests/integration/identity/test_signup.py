"""Sign up in the app, prove the address, and be offered the studio records that match."""

from __future__ import annotations

import time

import pytest

from frontdesk_contracts import ClientImported, new_event

pytestmark = pytest.mark.integration


def signup_body(email: str = "lin@example.com", username: str = "lin") -> dict[str, str]:
    return {
        "email": email,
        "username": username,
        "password": "a long enough phrase",
        "given_name": "Lin",
    }


async def test_signup_then_code_signs_in_and_names_matching_studio_records(
    service, keys, events, publish
):
    for studio in ("studio-1", "studio-2"):
        await publish(
            new_event(
                ClientImported(
                    studio_id=studio,
                    external_client_id="x",
                    given_name="Lin",
                    emails=["LIN@example.com"],
                )
            )
        )
    imported = await events.wait("AccountImported", count=2)

    answer = await service.http.post("/v1/signup", json=signup_body())
    assert answer.status_code == 202
    [requested] = await events.wait("EmailVerificationRequested")
    assert requested.payload.purpose == "signup"
    assert (requested.payload.expires_at - requested.time).total_seconds() == pytest.approx(
        900, abs=2
    )
    code = keys.open(requested.payload.code)
    assert len(code) == 6 and code.isdigit()

    # Not a login until the address is proven.
    early = await service.http.post(
        "/v1/sessions", json={"login": "lin", "password": "a long enough phrase"}
    )
    assert early.status_code == 401

    verified = await service.http.post(
        "/v1/signup/verify", json={"email": "Lin@Example.com", "code": code}
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["access_token"]
    [completed] = await events.wait("SignupCompleted")
    [matched] = await events.wait("SignupMatchedExisting")
    assert matched.payload.account_id == completed.payload.account_id
    assert {(m.account_id, m.studio_id) for m in matched.payload.matches} == {
        (e.payload.account_id, e.payload.studio_id) for e in imported
    }
    assert matched.causation_id == str(completed.id)
    again = await service.http.post(
        "/v1/signup/verify", json={"email": "lin@example.com", "code": code}
    )
    assert again.status_code == 400


async def test_the_verification_link_page_confirms_on_submit_only(service, keys, events, steps):
    await service.http.post("/v1/signup", json=signup_body())
    [requested] = await events.wait("EmailVerificationRequested")
    url, token = steps.link_of(keys, requested.payload, "link_token")
    assert (await service.http.get(url)).status_code == 200
    assert (await service.http.get(url)).status_code == 200
    done = await service.http.post("/links/verify-email", data={"token": token})
    assert done.status_code == 200 and "Address confirmed" in done.text
    await events.wait("SignupCompleted")
    used = await service.http.get(url)
    assert used.status_code == 410 and "already been used" in used.text


async def test_signing_up_with_a_login_s_address_tells_the_owner_and_creates_nothing(
    service, keys, events, steps
):
    owner = await steps.client_with_login(service, keys, events, email="lin@example.com")
    timings, answers = [], []
    for email, username in (("LIN@example.com", "lin2"), ("fresh@example.com", "fresh")):
        started = time.monotonic()
        answer = await service.http.post("/v1/signup", json=signup_body(email, username))
        timings.append(time.monotonic() - started)
        answers.append((answer.status_code, answer.content))
    assert answers[0] == answers[1]
    # The uniform delay is a lower bound whatever the address: neither answer came sooner.
    assert min(timings) >= service.settings.uniform_response_seconds
    [attempt] = await events.wait("SignupAttemptedForExistingLogin")
    assert attempt.payload.account_id == owner
    requested = await events.wait("EmailVerificationRequested")
    assert [e.payload.email for e in requested] == ["fresh@example.com"]
    count = await service.app.state.deps.db.pool.fetchval(
        "SELECT count(*) FROM accounts WHERE username_key = 'lin2'"
    )
    assert count == 0


async def test_wrong_codes_are_limited(service, keys, events):
    await service.http.post("/v1/signup", json=signup_body())
    [requested] = await events.wait("EmailVerificationRequested")
    code = keys.open(requested.payload.code)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        refused = await service.http.post(
            "/v1/signup/verify", json={"email": "lin@example.com", "code": wrong}
        )
        assert refused.status_code == 400
    # The fifth wrong guess ended the code: the right one no longer works either.
    late = await service.http.post(
        "/v1/signup/verify", json={"email": "lin@example.com", "code": code}
    )
    assert late.status_code == 400


async def test_signup_input_is_validated(service):
    for body in (
        {**signup_body(), "password": "short"},
        {**signup_body(), "password": "password123"},
    ):
        refused = await service.http.post("/v1/signup", json=body)
        assert refused.status_code == 422
        assert refused.headers["content-type"] == "application/problem+json"
        assert body["password"] not in refused.text  # never echoed back
    for body in (
        {**signup_body(), "email": "not-an-address"},
        {**signup_body(), "username": "a b"},
        {**signup_body(), "extra": 1},
    ):
        assert (await service.http.post("/v1/signup", json=body)).status_code == 422
    both = await service.http.post(
        "/v1/signup/verify", json={"token": "x" * 43, "email": "a@b.co", "code": "123456"}
    )
    assert both.status_code == 422


async def test_a_taken_username_gets_the_uniform_answer_and_is_refused_on_proof(
    service, keys, events, steps
):
    """No username oracle: taken and free usernames get the same answer; the clash is told
    only to whoever proves the address, and the existing login is untouched."""
    await steps.client_with_login(service, keys, events, username="lin", email="lin@example.com")
    taken = await service.http.post("/v1/signup", json=signup_body("eve@example.com", "LIN"))
    free = await service.http.post("/v1/signup", json=signup_body("max@example.com", "max"))
    assert (taken.status_code, taken.json()) == (free.status_code, free.json())
    assert taken.status_code == 202
    # Each address is told once; the two may arrive in either order (two partitions).
    [clash] = await events.wait("EmailVerificationRequested", email="eve@example.com")
    [fine] = await events.wait("EmailVerificationRequested", email="max@example.com")
    _, token = steps.link_of(keys, clash.payload, "link_token")
    refused = await service.http.post("/v1/signup/verify", json={"token": token})
    assert refused.status_code == 409 and refused.json()["type"].endswith("username-taken")
    assert (await steps.log_in(service, "lin")).status_code == 200
    _, token = steps.link_of(keys, fine.payload, "link_token")
    assert (await service.http.post("/v1/signup/verify", json={"token": token})).status_code == 200
    [done] = await events.wait("SignupCompleted")
    assert done.payload.username == "max"


async def test_an_expired_verification_link_offers_a_new_one(service, keys, events, steps):
    await service.http.post("/v1/signup", json=signup_body())
    [requested] = await events.wait("EmailVerificationRequested")
    url, token = steps.link_of(keys, requested.payload, "link_token")
    await service.app.state.deps.db.pool.execute(
        "UPDATE one_time_tokens SET expires_at = now() - interval '1 second'"
    )
    page = await service.http.get(url)
    assert page.status_code == 410 and "expired" in page.text
    assert "Send me a new link" in page.text
    refused = await service.http.post("/links/verify-email", data={"token": token})
    assert refused.status_code == 410
    again = await service.http.post("/links/verify-email/new", data={"token": token})
    assert again.status_code == 200
    _, second = await events.wait("EmailVerificationRequested", count=2)
    _, new_token = steps.link_of(keys, second.payload, "link_token")
    done = await service.http.post("/links/verify-email", data={"token": new_token})
    assert done.status_code == 200
