"""The email links in a real browser: headless Chromium, opened from the web inbox.

A person reads the email in the inbox, clicks its button, fills the identity page's form
and submits it; then logs in. Dead links (used, expired) show a page that says why and
offers a new link. A failing test leaves a screenshot in tests/e2e/artifacts/.
"""

from __future__ import annotations

import pytest

from frontdesk_testing.people import NEW_PASSWORD, PASSWORD

pytestmark = pytest.mark.integration


async def click_email_button(page, stack, mail, path: str) -> None:
    """Find the email in the web inbox, open it, click its link to `path`."""
    recipient = mail.to[0]
    await page.goto(f"{stack.inbox_url}/?to={recipient}")
    # Newest first; several emails may share a subject, so pick this one's row.
    await page.locator(f"a[href='/messages/{mail.id}']", has_text=mail.subject).click()
    await page.wait_for_url(f"**/messages/{mail.id}")
    # The inbox lists the email's links as plain anchors; click the one to `path`. (A
    # click on the button inside the sandboxed HTML-part iframe, which may navigate the
    # top window only on user activation, once did not navigate in a CI run; cause unknown.)
    link = page.locator(f"ul.links a[href*='{path}']").first
    await link.click()
    await page.wait_for_url(f"{stack.identity_url}{path}?token=*")


async def heading(page) -> str:
    text: str = await page.locator("h1").inner_text()
    return text


async def test_create_login_in_the_browser_then_log_in(page, stack, journey, unique):
    email, username = f"iris-{unique}@example.test", f"iris-{unique}"
    await journey.create_client(email, "Iris")
    mail = await journey.mail(email, "Create your login")

    await click_email_button(page, stack, mail, "/links/create-login")
    assert await heading(page) == "Create your login"
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("New password").fill(PASSWORD)
    await page.get_by_role("button", name="Create my login").click()
    await page.wait_for_url(f"{stack.identity_url}/links/create-login")
    assert await heading(page) == "Your login is ready"
    assert f"You can now log in as {username}" in await page.content()

    for login in (username, email):
        assert (await journey.log_in(login, PASSWORD)).status_code == 200


async def test_reset_password_in_the_browser_then_log_in(page, stack, journey, unique):
    email, username = await _client_with_login(journey, unique)
    asked = await journey.identity.post("/v1/password-resets", json={"login": email})
    assert asked.status_code == 202
    mail = await journey.mail(email, "Reset your password")

    await click_email_button(page, stack, mail, "/links/reset-password")
    assert await heading(page) == "Choose a new password"
    await page.get_by_label("New password").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Set new password").click()
    await page.wait_for_url(f"{stack.identity_url}/links/reset-password")
    assert await heading(page) == "Password changed"

    assert (await journey.log_in(username, NEW_PASSWORD)).status_code == 200
    assert (await journey.log_in(username, PASSWORD)).status_code == 401


async def test_used_and_expired_reset_links_say_why_and_offer_a_new_one(
    page, stack, journey, unique, identity_db
):
    email, username = await _client_with_login(journey, unique)
    await journey.identity.post("/v1/password-resets", json={"login": username})
    first = await journey.mail(email, "Reset your password")
    used_link = first.link_containing("/links/reset-password")
    assert (await journey.submit_link_form(used_link, password=NEW_PASSWORD)).status_code == 200

    await page.goto(used_link)
    assert await heading(page) == "Link no longer works"
    assert "This link has already been used." in await page.locator("p").first.inner_text()
    await page.get_by_role("button", name="Send me a new reset link").wait_for()

    await journey.identity.post("/v1/password-resets", json={"login": username})
    second = await journey.mail(email, "Reset your password", since=first)
    # An hour cannot pass in a test: age the link in identity's database instead.
    aged = await identity_db.execute(
        "UPDATE one_time_tokens SET expires_at = now() - interval '1 second'"
        " WHERE purpose = 'password_reset' AND used_at IS NULL AND ended_at IS NULL"
        " AND email = $1",
        email,
    )
    assert aged == "UPDATE 1"

    await click_email_button(page, stack, second, "/links/reset-password")
    assert await heading(page) == "Link no longer works"
    assert "This link has expired." in await page.locator("p").first.inner_text()
    # The dead link's page asks for a new link, which arrives and works.
    await page.get_by_label("Your email address or username").fill(username)
    await page.get_by_role("button", name="Send me a new reset link").click()
    await page.wait_for_url(f"{stack.identity_url}/links/reset-password/new")
    assert await heading(page) == "Check your email"
    third = await journey.mail(email, "Reset your password", since=second)
    await click_email_button(page, stack, third, "/links/reset-password")
    assert await heading(page) == "Choose a new password"


async def _client_with_login(journey, unique: str) -> tuple[str, str]:
    email, username = f"otto-{unique}@example.test", f"otto-{unique}"
    await journey.create_client(email, "Otto")
    mail = await journey.mail(email, "Create your login")
    link = mail.link_containing("/links/create-login")
    done = await journey.submit_link_form(link, username=username, password=PASSWORD)
    assert done.status_code == 200, done.text
    return email, username
