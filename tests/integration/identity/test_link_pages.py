"""Link pages a client trusts: they say whose link it is and the rules before the input,
answer every refusal with the form and a sentence (never JSON), and refuse cross-site
form posts."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.integration

NEW_PASSWORD = "a brand new phrase 9"
EVIL = {"Origin": "https://evil.test", "Sec-Fetch-Site": "cross-site"}


async def create_login_link(service, keys, events, email="ada@example.com"):  # type: ignore[no-untyped-def]
    created = await service.http.post(
        "/v1/admin/studios/studio-1/clients",
        json={"email": email, "given_name": "Ada"},
        headers=keys.admin.identity(),
    )
    assert created.status_code == 201, created.text
    [event] = await events.wait("AccountCreatedByAdmin", email=email)
    from .conftest import link_of

    return link_of(keys, event.payload, "create_login_token")


def is_page(answer) -> bool:  # type: ignore[no-untyped-def]
    return answer.headers["content-type"].startswith("text/html") and "<form" in answer.text


def input_tag(html: str, name: str) -> str:
    [tag] = re.findall(rf'<input id="{name}"[^>]*>', html)
    return tag


async def test_the_create_login_page_says_whose_it_is_and_states_the_rules(service, keys, events):
    url, _ = await create_login_link(service, keys, events, "cleo@example.com")
    page = await service.http.get(url)
    assert page.status_code == 200
    assert "For the account of c***@example.com." in page.text
    assert "cleo@example.com" not in page.text
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page.text
    # The rules are on the page before anyone types, tied to their inputs.
    assert "3 to 64 characters: letters, digits, dots, dashes and underscores" in page.text
    assert "8 to 128 characters. Very common passwords are refused." in page.text
    assert 'autocomplete="username"' in input_tag(page.text, "username")
    password = input_tag(page.text, "password")
    assert (
        'autocomplete="new-password"' in password and 'aria-describedby="password-hint"' in password
    )
    assert "Show password" in page.text


async def test_the_link_page_names_the_studio_not_its_id(service, keys, events):
    url, _ = await create_login_link(service, keys, events, "cleo@example.com")
    page = await service.http.get(url)
    assert "Studio One" in page.text  # the name the admin's assertion gave the studio
    assert "studio-1" not in page.text


@pytest.mark.parametrize(
    ("username", "status"),
    [("a", 422), ("bad name!", 422), ("x" * 65, 422), ("", 422), ("cleo", 400)],
)
async def test_a_refused_username_re_renders_the_form_with_a_sentence(
    service, keys, events, steps, username, status
):
    _, token = await create_login_link(service, keys, events)
    password = "x" * 2000 if status == 400 else steps.PASSWORD  # a value too long to use
    form = {"token": token, "username": username, "password": password}
    refused = await service.http.post("/links/create-login", data=form)
    assert refused.status_code == status
    assert is_page(refused), refused.text
    assert "application/problem+json" not in refused.headers["content-type"]
    assert 'role="alert"' in refused.text
    assert "not accepted" in refused.text or "cannot use" in refused.text
    assert token in refused.text  # the form still works
    # The link still works: a good username then creates the login.
    form["username"], form["password"] = "cleo", steps.PASSWORD
    assert (await service.http.post("/links/create-login", data=form)).status_code == 200


async def test_a_username_refused_for_its_form_says_the_rules_and_keeps_what_was_typed(
    service, keys, events, steps
):
    _, token = await create_login_link(service, keys, events)
    form = {"token": token, "username": "no spaces", "password": steps.PASSWORD}
    refused = await service.http.post("/links/create-login", data=form)
    assert refused.status_code == 422
    assert "Username not accepted: use 3 to 64 characters" in refused.text
    assert 'value="no spaces"' in input_tag(refused.text, "username")
    assert steps.PASSWORD not in refused.text  # a password is never echoed


async def test_a_taken_username_is_a_409_page(service, keys, events, steps):
    await steps.client_with_login(service, keys, events, username="taken")
    _, token = await create_login_link(service, keys, events, "bo@example.com")
    form = {"token": token, "username": "Taken", "password": steps.PASSWORD}
    refused = await service.http.post("/links/create-login", data=form)
    assert refused.status_code == 409 and is_page(refused)
    assert "Username taken: choose another username." in refused.text


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/links/create-login", {}),
        ("/links/create-login", {"token": "t" * 40}),
        ("/links/reset-password", {"token": "t" * 40}),
        ("/links/reset-password/new", {}),
        ("/links/reset-password/new", {"login": "x" * 300}),
        ("/links/sign-in", {"login": "ada"}),
        ("/links/sign-in", {"login": "ada", "password": "p" * 2000}),
        ("/links/verify-email", {}),
    ],
)
async def test_no_link_page_form_answers_with_json(service, path, form):
    answer = await service.http.post(path, data=form)
    assert 400 <= answer.status_code < 500
    assert answer.headers["content-type"].startswith("text/html"), answer.text
    assert "<h1>" in answer.text


@pytest.mark.parametrize("path", ["/links/verify-email/new", "/links/create-login/new"])
async def test_asking_for_a_new_link_answers_the_same_whatever_the_token(service, path):
    for form in ({}, {"token": "t" * 40}, {"token": "t" * 2000}):
        answer = await service.http.post(path, data=form)
        assert answer.status_code == 200 and "Check your email" in answer.text


async def test_dead_links_still_answer_410_whatever_the_token(service):
    for token in ("", "short", "t" * 40, "t" * 2000):
        for path in ("/links/create-login", "/links/reset-password", "/links/verify-email"):
            form = {"token": token, "username": "cleo", "password": NEW_PASSWORD}
            answer = await service.http.post(path, data=form)
            assert answer.status_code == 410, (path, token, answer.text)
            assert "Link no longer works" in answer.text


async def test_the_reset_page_names_the_login_and_says_what_next(service, keys, events, steps):
    await steps.client_with_login(service, keys, events, username="ada")
    await service.http.post("/v1/password-resets", json={"login": "ada"})
    [reset] = await events.wait("PasswordResetRequested")
    url, token = steps.link_of(keys, reset.payload, "reset_token")
    page = await service.http.get(url)
    assert "For your login ada (a***@example.com)." in page.text
    short = await service.http.post("/links/reset-password", data={"token": token, "password": "x"})
    assert short.status_code == 422 and is_page(short)
    assert "Password not accepted: use at least 8 characters." in short.text
    assert "For your login ada" in short.text
    done = await service.http.post(
        "/links/reset-password", data={"token": token, "password": NEW_PASSWORD}
    )
    assert done.status_code == 200
    assert "Open the app and sign in" in done.text


async def test_the_sign_in_page_offers_a_forgotten_password_form_that_sends_a_reset(
    service, keys, events, steps
):
    await steps.client_with_login(service, keys, events, username="ada")
    sign_in = await service.http.get("/links/sign-in")
    assert '<a href="/links/reset-password/new">Forgot your password?</a>' in sign_in.text
    assert 'autocomplete="current-password"' in sign_in.text
    forgot = await service.http.get("/links/reset-password/new")
    assert forgot.status_code == 200 and is_page(forgot)
    assert 'action="/links/reset-password/new"' in forgot.text
    sent = await service.http.post("/links/reset-password/new", data={"login": "ada"})
    assert sent.status_code == 200 and "Check your email" in sent.text
    await events.wait("PasswordResetRequested")
    wrong = await service.http.post("/links/sign-in", data={"login": "ada", "password": "nope"})
    assert wrong.status_code == 401 and is_page(wrong)
    assert "Forgot your password?" in wrong.text


@pytest.mark.parametrize(
    "headers",
    [
        EVIL,
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.test"},
    ],
)
async def test_a_cross_site_form_post_is_refused_and_does_nothing(
    service, keys, events, steps, headers
):
    await steps.client_with_login(service, keys, events, username="ada")
    url, token = await create_login_link(service, keys, events, "bo@example.com")
    posts = {
        "/links/reset-password/new": {"login": "ada"},
        "/links/create-login": {"token": token, "username": "bo", "password": NEW_PASSWORD},
        "/links/create-login/new": {"token": token},
        "/links/reset-password": {"token": token, "password": NEW_PASSWORD},
        "/links/verify-email": {"token": token},
        "/links/verify-email/new": {"token": token},
        "/links/sign-in": {"login": "ada", "password": steps.PASSWORD},
    }
    for path, form in posts.items():
        refused = await service.http.post(path, data=form, headers=headers)
        assert refused.status_code == 403, (path, refused.text)
        assert "sent from another website" in refused.text
    await events.settle(1.0)
    assert "PasswordResetRequested" not in events.types()
    assert (await service.http.get(url)).status_code == 200  # the link was not spent


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin", "Origin": "null"},  # what Chromium sends here
        {"Origin": "http://identity.test"},
        {"Origin": "null"},
        {},
    ],
)
async def test_a_same_site_or_headerless_form_post_is_accepted(service, keys, events, headers):
    answer = await service.http.post(
        "/links/reset-password/new", data={"login": "nobody"}, headers=headers
    )
    assert answer.status_code == 200 and "Check your email" in answer.text
