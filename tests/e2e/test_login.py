"""Flow 6: a client logs in with their username or their email address."""

from __future__ import annotations

import pytest

from frontdesk_testing.people import PASSWORD

pytestmark = pytest.mark.integration


async def test_login_works_with_the_username_and_with_the_email(journey, unique):
    email, username = f"Mae.{unique}@Example.test", f"mae-{unique}"
    account_id = await journey.create_client(email, "Mae")
    mail = await journey.mail(email, "Create your login")
    done = await journey.submit_link_form(
        mail.link_containing("/links/create-login"), username=username, password=PASSWORD
    )
    assert done.status_code == 200, done.text

    for login in (username, email, email.lower(), username.upper()):
        answer = await journey.log_in(login, PASSWORD)
        assert answer.status_code == 200, f"{login}: {answer.text}"
        tokens = answer.json()
        me = await journey.identity.get(
            "/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
        )
        assert me.json()["account_id"] == account_id, login

    # A wrong password, or a name nobody has, is refused the same way.
    wrong = await journey.log_in(email, "not the password at all")
    nobody = await journey.log_in(f"nobody-{unique}", PASSWORD)
    assert wrong.status_code == nobody.status_code == 401
    assert wrong.headers["content-type"] == "application/problem+json"
    assert wrong.json()["title"] == nobody.json()["title"]
