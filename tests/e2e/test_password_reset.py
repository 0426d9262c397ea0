"""Flow 5: a password reset, asked by the client or by an admin; the link works once."""

from __future__ import annotations

import pytest

from frontdesk_testing.people import NEW_PASSWORD, PASSWORD

pytestmark = pytest.mark.integration


async def client_with_login(journey, unique: str) -> tuple[str, str, str]:
    """An admin-created client who made their login: (account id, email, username)."""
    email, username = f"lin-{unique}@example.test", f"lin-{unique}"
    account_id = await journey.create_client(email, "Lin")
    mail = await journey.mail(email, "Create your login")
    done = await journey.submit_link_form(
        mail.link_containing("/links/create-login"), username=username, password=PASSWORD
    )
    assert done.status_code == 200, done.text
    return account_id, email, username


@pytest.mark.parametrize("asked_by", ["client by email", "client by username", "admin"])
async def test_a_reset_link_sets_a_new_password_once_and_ends_old_sessions(
    journey, unique, studio, asked_by
):
    account_id, email, username = await client_with_login(journey, unique)
    session = (await journey.log_in(username, PASSWORD)).json()
    bearer = {"Authorization": f"Bearer {session['access_token']}"}
    assert (await journey.identity.get("/v1/me", headers=bearer)).status_code == 200

    if asked_by == "admin":
        asked = await journey.identity.post(
            f"/v1/admin/studios/{studio[0]}/clients/{account_id}/password-reset",
            headers=journey.admin.identity(),
        )
    else:
        login = email.upper() if asked_by == "client by email" else username
        asked = await journey.identity.post("/v1/password-resets", json={"login": login})
    assert asked.status_code == 202, asked.text

    mail = await journey.mail(email, "Reset your password")
    assert "The link works once, for one hour" in mail.text
    if asked_by == "admin":
        assert "asked for a password reset for your account" in mail.text
    link = mail.link_containing("/links/reset-password?token=")

    changed = await journey.submit_link_form(link, password=NEW_PASSWORD)
    assert changed.status_code == 200, changed.text
    assert "Your password was changed" in changed.text
    notice = await journey.mail(email, "Your password was changed")
    assert notice.id > mail.id

    # The used link fails, opened or submitted again.
    used = await journey.open_link(link)
    assert used.status_code == 410
    assert "This link has already been used." in used.text
    token = link.split("token=", 1)[1]
    replay = {"token": token, "password": "another fine passphrase"}
    assert (await journey.identity.post("/links/reset-password", data=replay)).status_code == 410

    # What the client sees: the old session ended, the old password no longer works.
    assert (await journey.identity.get("/v1/me", headers=bearer)).status_code == 401
    stale = {"refresh_token": session["refresh_token"]}
    assert (await journey.identity.post("/v1/sessions/refresh", json=stale)).status_code == 401
    assert (await journey.log_in(username, PASSWORD)).status_code == 401
    assert (await journey.log_in(username, NEW_PASSWORD)).status_code == 200


async def test_an_admin_asked_reset_email_names_the_studio(journey, unique, studio):
    account_id, email, _ = await client_with_login(journey, unique)
    asked = await journey.identity.post(
        f"/v1/admin/studios/{studio[0]}/clients/{account_id}/password-reset",
        headers=journey.admin.identity(),
    )
    assert asked.status_code == 202, asked.text
    mail = await journey.mail(email, "Reset your password")
    assert f"{studio[1]} asked for a password reset for your account" in mail.text


async def test_the_password_changed_email_links_to_a_sign_in_page_that_exists(journey, unique):
    _, email, username = await client_with_login(journey, unique)
    await journey.identity.post("/v1/password-resets", json={"login": username})
    mail = await journey.mail(email, "Reset your password")
    changed = await journey.submit_link_form(mail.links[0], password=NEW_PASSWORD)
    assert changed.status_code == 200, changed.text
    notice = await journey.mail(email, "Your password was changed")
    [sign_in] = notice.links
    opened = await journey.identity.get(sign_in)
    assert opened.status_code == 200, f"{sign_in} answered {opened.status_code}"
