"""The link pages in Chromium as a client meets them, checked by axe-core.

Every page an email's link opens (the forms, their refusals, the dead links, the
success pages) has no serious or critical accessibility violation, works on a phone's
width, names the studio and whose link it is, and every link in the emails leads to a
page that does what the email says. axe-core is the copy PyPI's axe-playwright-python
ships, so the check runs offline.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from axe_playwright_python.async_playwright import Axe

from frontdesk_testing.people import NEW_PASSWORD, PASSWORD

from .test_browser import click_email_button, heading

pytestmark = pytest.mark.integration

AXE = Axe()
PHONE = {"width": 375, "height": 667}


async def assert_accessible(page) -> None:  # type: ignore[no-untyped-def]
    """No serious or critical axe-core violation on the page, and usable at phone width."""
    results = await AXE.run(page)
    grave = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert not grave, f"{page.url.split('?')[0]}: {grave}"
    await page.set_viewport_size(PHONE)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url.split('?')[0]} scrolls sideways on a phone"
    await page.set_viewport_size({"width": 1280, "height": 720})


async def test_create_login_pages_are_accessible_and_say_whose_link_it_is(
    page, stack, journey, unique
):
    email = f"cleo-{unique}@example.test"
    await journey.create_client(email, "Cleo")
    mail = await journey.mail(email, "Create your login")
    await click_email_button(page, stack, mail, "/links/create-login")
    link = page.url

    assert await heading(page) == "Create your login"
    header = await page.locator("header").inner_text()
    assert header and journey.studio_id not in header  # a name, never the studio's id
    assert f"For the account of c***@{email.split('@')[1]}." in await page.content()
    assert email not in await page.content()
    # The rules are there before typing; a password manager knows what each field is.
    rules = page.locator("#username-hint")
    assert "3 to 64 characters" in await rules.inner_text()
    assert await page.get_by_label("Username").get_attribute("autocomplete") == "username"
    password = page.get_by_label("New password")
    assert await password.get_attribute("autocomplete") == "new-password"
    await assert_accessible(page)

    # Show password reveals what was typed, and hides it again.
    await password.fill(PASSWORD)
    await page.get_by_label("Show password").check()
    assert await password.get_attribute("type") == "text"
    await page.get_by_label("Show password").uncheck()
    assert await password.get_attribute("type") == "password"

    # A refused username re-renders the form with a sentence, not JSON.
    await page.get_by_label("Username").fill("cleo smith")
    async with page.expect_response("**/links/create-login") as refused_answer:
        await page.get_by_role("button", name="Create my login").click()
    refused = await refused_answer.value
    assert refused.status == 422
    assert refused.headers["content-type"].startswith("text/html")
    assert await heading(page) == "Create your login"
    alert = await page.get_by_role("alert").inner_text()
    assert alert.startswith("Username not accepted: use 3 to 64 characters")
    assert await page.get_by_label("Username").input_value() == "cleo smith"
    await assert_accessible(page)

    username = f"cleo-{unique}"
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("New password").fill(PASSWORD)
    await page.get_by_role("button", name="Create my login").click()
    await page.wait_for_url(f"{stack.identity_url}/links/create-login")
    assert await heading(page) == "Your login is ready"
    assert "Open the app and sign in" in await page.locator(".next").inner_text()
    await assert_accessible(page)

    # The used link's page: why, and a way to a reset link.
    await page.goto(link)
    assert await heading(page) == "Link no longer works"
    await assert_accessible(page)


async def test_reset_sign_in_and_dead_link_pages_are_accessible(page, stack, journey, unique):
    email, username = f"rene-{unique}@example.test", f"rene-{unique}"
    await journey.create_client(email, "Rene")
    welcome = await journey.mail(email, "Create your login")
    link = welcome.link_containing("/links/create-login")
    done = await journey.submit_link_form(link, username=username, password=PASSWORD)
    assert done.status_code == 200, done.text

    # "Forgot your password?" from the sign-in page, in the browser.
    await page.goto(f"{stack.identity_url}/links/sign-in")
    assert await page.get_by_label("Password", exact=True).get_attribute("autocomplete") == (
        "current-password"
    )
    await assert_accessible(page)
    await page.get_by_role("link", name="Forgot your password?").click()
    assert await heading(page) == "Forgot your password?"
    await assert_accessible(page)
    await page.get_by_label("Your email address or username").fill(username)
    await page.get_by_role("button", name="Send me a reset link").click()
    assert await heading(page) == "Check your email"
    await assert_accessible(page)

    reset = await journey.mail(email, "Reset your password")
    await click_email_button(page, stack, reset, "/links/reset-password")
    assert await heading(page) == "Choose a new password"
    assert f"For your login {username} (r***@" in await page.content()
    await assert_accessible(page)
    await page.get_by_label("New password").fill("short")
    await page.get_by_role("button", name="Set new password").click()
    assert "Password not accepted" in await page.get_by_role("alert").inner_text()
    await assert_accessible(page)
    await page.get_by_label("New password").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Set new password").click()
    assert await heading(page) == "Password changed"
    await assert_accessible(page)

    # A wrong password on the sign-in page, and links that never worked.
    await page.goto(f"{stack.identity_url}/links/sign-in")
    await page.get_by_label("Your email address or username").fill(username)
    await page.get_by_label("Password", exact=True).fill("not the password")
    await page.get_by_role("button", name="Sign in").click()
    assert await page.get_by_role("alert").count() == 1
    await assert_accessible(page)
    for path in ("/links/create-login", "/links/reset-password", "/links/verify-email"):
        await page.goto(f"{stack.identity_url}{path}?token={'x' * 43}")
        assert await heading(page) == "Link no longer works"
        await assert_accessible(page)


async def test_verify_pages_are_accessible(page, stack, journey, unique):
    email = f"vera-{unique}@example.test"
    signup = {"email": email, "username": f"vera-{unique}", "password": PASSWORD}
    asked = await journey.identity.post("/v1/signup", json={**signup, "given_name": "Vera"})
    assert asked.status_code == 202, asked.text
    mail = await journey.mail(email, "Verify your email address")
    assert not any(ch.isdigit() for ch in mail.subject)  # the code is in the body only
    await click_email_button(page, stack, mail, "/links/verify-email")
    assert await heading(page) == "Confirm your email address"
    assert "v***@" in await page.content()
    await assert_accessible(page)
    await page.get_by_role("button", name="Confirm my address").click()
    assert await heading(page) == "Address confirmed"
    await assert_accessible(page)


async def test_a_cross_site_form_post_is_refused_in_the_browser(page, stack, journey, unique):
    email, username = f"cross-{unique}@example.test", f"cross-{unique}"
    await journey.create_client(email, "Cross")
    welcome = await journey.mail(email, "Create your login")
    link = welcome.link_containing("/links/create-login")
    assert (await journey.submit_link_form(link, username=username, password=PASSWORD)).is_success
    # Another site's page that posts a forgot-password form to identity.
    action = f"{stack.identity_url}/links/reset-password/new"
    other_site = (
        f'<html lang="en"><title>x</title><form method="post" action="{action}">'
        f'<input name="login" value="{username}" aria-label="login"><button>Go</button></form>'
    )
    await page.goto("data:text/html," + quote(other_site))
    async with page.expect_response(action) as answer:
        await page.get_by_role("button", name="Go").click()
    assert (await answer.value).status == 403
    assert await heading(page) == "Form not accepted"
    await assert_accessible(page)
    with pytest.raises(TimeoutError):
        await journey.inbox.wait_for(email, subject_contains="Reset your password", timeout=3)


async def test_every_link_of_the_password_changed_and_sign_in_emails_does_what_it_says(
    page, stack, journey, unique
):
    email, username = f"pat-{unique}@example.test", f"pat-{unique}"
    await journey.create_client(email, "Pat")
    welcome = await journey.mail(email, "Create your login")
    link = welcome.link_containing("/links/create-login")
    assert (await journey.submit_link_form(link, username=username, password=PASSWORD)).is_success
    await journey.identity.post("/v1/password-resets", json={"login": username})
    reset = await journey.mail(email, "Reset your password")
    changed_link = reset.link_containing("/links/reset-password")
    done = await journey.submit_link_form(changed_link, password=NEW_PASSWORD)
    assert done.status_code == 200

    # "If it was not you, ask for a password-reset link now": the link asks for one.
    changed = await journey.mail(email, "Your password was changed")
    assert changed.links and all("/links/reset-password/new" in u for u in changed.links)
    await page.goto(changed.link_containing("/links/reset-password/new"))
    assert await heading(page) == "Forgot your password?"
    await page.get_by_label("Your email address or username").fill(email)
    await page.get_by_role("button", name="Send me a reset link").click()
    assert await heading(page) == "Check your email"
    await journey.mail(email, "Reset your password", since=reset)

    # "Sign in instead (or reset your password from there)": both are on that page.
    signup = {"email": email, "username": f"pat2-{unique}", "password": PASSWORD}
    await journey.identity.post("/v1/signup", json={**signup, "given_name": "Pat"})
    attempt = await journey.mail(email, "Someone tried to sign up")
    await page.goto(attempt.link_containing("/links/sign-in"))
    assert await page.get_by_role("button", name="Sign in").count() == 1
    await page.get_by_role("link", name="Forgot your password?").click()
    assert await heading(page) == "Forgot your password?"
