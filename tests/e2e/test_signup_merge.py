"""Flows 1 and 4: clients imported into two studios sign up in the app and merge."""

from __future__ import annotations

import pytest

from frontdesk_testing import Admin, eventually
from frontdesk_testing.people import PASSWORD, VIEW_TIMEOUT

pytestmark = pytest.mark.integration


async def test_an_imported_client_signs_up_merges_and_sees_both_studios(
    journey, import_client, gateway, unique
):
    email, username = f"noor-{unique}@example.test", f"noor-{unique}"
    studios = {f"yoga-{unique}": "Yoga Loft", f"climb-{unique}": "Climb Hall"}
    admins = {s: Admin(f"admin-{s}", {s: name}, gateway) for s, name in studios.items()}

    # Two studios imported the same person before launch (flow 1): no email is sent.
    for number, studio_id in enumerate(studios, 1):
        await import_client(studio_id, f"ext-{number}", "Noor", email)

    async def imported_everywhere():
        found = {s: await journey.clients(admins[s], q=email) for s in studios}
        assert all(found.values()), f"client-registry has not filed every record: {found}"
        return found

    records = await eventually(imported_everywhere, timeout=VIEW_TIMEOUT)
    old_accounts = {s: found[0]["account_id"] for s, found in records.items()}
    assert {r[0]["access_state"] for r in records.values()} == {"never_logged_in"}
    assert await journey.inbox.messages(email) == []

    # The client signs up in the app with the same address and proves it from the email.
    signup = {"email": email, "username": username, "password": PASSWORD, "given_name": "Noor"}
    asked = await journey.identity.post("/v1/signup", json=signup)
    assert asked.status_code == 202, asked.text
    mail = await journey.mail(email, "Verify your email address")
    code = mail.text.split("Your code: ", 1)[1][:6]
    assert code.isdigit() and f"Your code: {code}\n" in mail.text
    # The inbox keeps (and a phone's lock screen shows) the subject: no code, no token.
    token = mail.link_containing("/links/verify-email?token=").rsplit("=", 1)[1]
    assert code not in mail.subject and token not in mail.subject
    confirmed = await journey.submit_link_form(mail.link_containing("/links/verify-email?token="))
    assert confirmed.status_code == 200, confirmed.text
    assert "Address confirmed" in confirmed.text

    tokens = (await journey.log_in(email, PASSWORD)).json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    me = (await journey.identity.get("/v1/me", headers=bearer)).json()["account_id"]
    assert me not in old_accounts.values()

    async def both_offered():
        answer = await journey.registry.get("/v1/me/merge-proposals", headers=bearer)
        assert answer.status_code == 200, answer.text
        offered = answer.json()["proposals"]
        assert len(offered) == len(studios), f"not both records offered yet: {offered}"
        return offered

    proposals = await eventually(both_offered, timeout=VIEW_TIMEOUT)
    assert {p["studio_id"] for p in proposals} == set(studios)
    for proposal in proposals:
        assert proposal["record_name"] == "Noor Imported"
        assert proposal["email"] == email
        assert proposal["masked_phone"].endswith("23") and "7946" not in proposal["masked_phone"]

    for proposal in proposals:
        url = f"/v1/me/merge-proposals/{proposal['proposal_id']}/confirm"
        merged = await journey.registry.post(url, headers=bearer)
        assert merged.status_code == 200, merged.text
        assert merged.json()["surviving_account_id"] == me
        again = await journey.registry.post(url, headers=bearer)  # a double tap: same merge
        assert again.json() == merged.json()

    # The client is told, once per studio record that joined the login.
    notice = await journey.mail(email, "Your accounts were merged", since=mail)
    await journey.mail(email, "Your accounts were merged", since=notice)
    assert "You see all your studios from one login" in notice.text
    empty = await journey.registry.get("/v1/me/merge-proposals", headers=bearer)
    assert empty.json()["proposals"] == []

    # The client's one login now sees both studios.
    mine = await journey.registry.get("/v1/me/studios", headers=bearer)
    assert mine.status_code == 200, mine.text
    assert {s["studio_id"] for s in mine.json()["studios"]} == set(admins)

    # Each studio's admin now sees its record on the client's one login...
    for studio_id, admin in admins.items():
        [record] = await journey.clients(admin, q=email)
        assert (record["account_id"], record["access_state"]) == (me, "merged")
        detail = await journey.registry.get(
            f"/v1/studios/{studio_id}/clients/{record['client_record_id']}",
            headers=admin.registry(),
        )
        [history] = detail.json()["merge_history"]
        assert (history["from_account_id"], history["to_account_id"]) == (
            old_accounts[studio_id],
            me,
        )
        assert (history["merged_by"], history["merged_by_role"]) == (me, "client")

        # ...and identity made the imported account an alias of it.
        async def aliased(studio_id=studio_id, admin=admin):
            view = await journey.access(old_accounts[studio_id], admin)
            assert view["merged_into"] == me, f"{studio_id}: the old account is no alias yet"
            return view

        await eventually(aliased, timeout=VIEW_TIMEOUT)

    # The one login still works, by username and by email, after the merge.
    for login in (username, email):
        again = await journey.log_in(login, PASSWORD)
        assert again.status_code == 200, again.text
