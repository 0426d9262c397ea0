"""Flow 2: an admin creates a client; the client gets a create-your-login email at once."""

from __future__ import annotations

import pytest

from frontdesk_testing import eventually
from frontdesk_testing.people import PASSWORD, VIEW_TIMEOUT

pytestmark = pytest.mark.integration


async def test_an_admin_created_client_creates_their_login_from_the_email(journey, unique, studio):
    email = f"ada-{unique}@example.test"
    account_id = await journey.create_client(email, "Ada")

    mail = await journey.mail(email, "Create your login")
    assert mail.subject == f"Create your login for {studio[1]}"
    link = mail.link_containing("/links/create-login?token=")
    assert (await journey.access(account_id))["has_login"] is False

    done = await journey.submit_link_form(link, username=f"ada-{unique}", password=PASSWORD)
    assert done.status_code == 200, done.text
    assert f"You can now log in as ada-{unique}" in done.text

    signed_in = await journey.log_in(f"ada-{unique}", PASSWORD)
    assert signed_in.status_code == 200, signed_in.text
    me = await journey.identity.get(
        "/v1/me", headers={"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    )
    assert me.json()["account_id"] == account_id

    # The admin sees it in both services: identity's access view, the registry's client list.
    view = await journey.access(account_id)
    assert (view["has_login"], view["ever_logged_in"]) == (True, True)

    async def delivery_reported():
        emails = (await journey.access(account_id))["last_emails"]
        found = [(e["kind"], e["state"], e["recipient"]) for e in emails]
        assert ("create_login", "sent", email) in found, found
        return found

    # notifications' EmailSent came back over Kafka into the admin's view.
    delivered = await eventually(delivery_reported, timeout=VIEW_TIMEOUT)
    assert delivered == [("create_login", "sent", email)]

    async def active_in_registry():
        records = await journey.clients(q=email)
        assert len(records) == 1, records  # none yet while the registry catches up
        [record] = records
        assert record["access_state"] == "active", record
        return record

    record = await eventually(active_in_registry, timeout=VIEW_TIMEOUT)
    assert (record["origin"], record["account_id"], record["emails"]) == (
        "admin",
        account_id,
        [email],
    )
    # The link was spent by the form: opening it again says so.
    again = await journey.open_link(link)
    assert again.status_code == 410
    assert "This link has already been used." in again.text
