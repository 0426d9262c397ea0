"""The article's path: never logged in, signs up, is prompted, merges (one and two studios)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

RECORDS = "SELECT count(*) FROM client_records WHERE studio_id = $1"
PROPOSALS = "SELECT count(*) FROM merge_proposals WHERE account_id = $1"


async def test_one_studio_never_logged_in_signs_up_is_prompted_and_merges(registry, ev):
    studio, old, new, email = (
        ev.unique("studio"),
        ev.unique("acc"),
        ev.unique("app"),
        "ada@example.com",
    )
    await registry.publish(ev.imported(old, studio, email))
    await registry.wait_for(RECORDS, studio)

    page = await registry.http.get(
        f"/v1/studios/{studio}/clients", headers=registry.admin([studio])
    )
    [client] = page.json()["clients"]
    assert client["access_state"] == "never_logged_in"
    assert client["origin"] == "import"

    await registry.publish(
        ev.signup_completed(new, email), ev.signup_matched(new, email, [(old, studio)])
    )
    await registry.wait_for(PROPOSALS, new)
    listed = await registry.http.get("/v1/me/merge-proposals", headers=registry.token(new))
    [proposal] = listed.json()["proposals"]
    assert proposal["record_name"] == "Ada Lovelace"
    assert proposal["masked_phone"] == "••••••••••18"  # only the last two digits show
    assert proposal["client_record_id"] == client["client_record_id"]

    confirmed = await registry.http.post(
        f"/v1/me/merge-proposals/{proposal['proposal_id']}/confirm", headers=registry.token(new)
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["surviving_account_id"] == new

    detail = await registry.http.get(
        f"/v1/studios/{studio}/clients/{client['client_record_id']}",
        headers=registry.admin([studio]),
    )
    body = detail.json()
    assert body["access_state"] == "merged"
    assert body["account_id"] == new
    [history] = body["merge_history"]
    assert (history["from_account_id"], history["to_account_id"]) == (old, new)
    assert history["merged_by"] == new
    assert history["record_before"]["account_id"] == old

    published = await registry.events(expected=3)
    [merged] = [e for e in published if e.type == "ClientsMerged"]
    assert merged.payload.merged_account_ids == [old]
    assert merged.payload.surviving_account_id == new


async def test_two_studios_each_offered_and_merged_into_one_login(registry, ev):
    studio_a, studio_b = ev.unique("studio"), ev.unique("studio")
    old_a, old_b, new, email = ev.unique("acc"), ev.unique("acc"), ev.unique("app"), "b@x.io"
    await registry.publish(
        ev.imported(old_a, studio_a, email),
        ev.created_by_admin(old_b, studio_b, "Yoga Loft", email),
    )
    await registry.wait_for("SELECT count(*) = 2 FROM client_records")
    await registry.publish(
        ev.signup_completed(new, email),  # the signup proved the address
        ev.signup_matched(new, email, [(old_a, studio_a), (old_b, studio_b)]),
    )
    await registry.wait_for("SELECT count(*) = 2 FROM merge_proposals")

    token = registry.token(new)
    before = (await registry.http.get("/v1/me/studios", headers=token)).json()
    assert before == {"studios": []}, "a new login reaches no studio before merging"
    proposals = (await registry.http.get("/v1/me/merge-proposals", headers=token)).json()
    by_studio = {p["studio_id"]: p for p in proposals["proposals"]}
    assert by_studio[studio_b]["studio_name"] == "Yoga Loft"
    assert by_studio[studio_b]["record_name"] == "Ada King"
    for proposal in by_studio.values():
        url = f"/v1/me/merge-proposals/{proposal['proposal_id']}/confirm"
        assert (await registry.http.post(url, headers=token)).status_code == 200

    published = await registry.events(expected=6)
    merged = [e for e in published if e.type == "ClientsMerged"]
    assert {e.payload.studio_id for e in merged} == {studio_a, studio_b}
    assert {e.payload.surviving_account_id for e in merged} == {new}
    assert (await registry.http.get("/v1/me/merge-proposals", headers=token)).json() == {
        "proposals": []
    }
    mine = (await registry.http.get("/v1/me/studios", headers=token)).json()["studios"]
    assert {s["studio_id"] for s in mine} == {studio_a, studio_b}, "the login sees both studios"
    assert all(s["merged_at"] for s in mine)
    assert {s["studio_name"] for s in mine} >= {"Yoga Loft"}
    others = (await registry.http.get("/v1/me/studios", headers=registry.token(old_a))).json()
    assert others == {"studios": []}, "the merged-away account reaches nothing any more"
    for studio in (studio_a, studio_b):
        page = await registry.http.get(
            f"/v1/studios/{studio}/clients", params={"state": "merged"},
            headers=registry.admin([studio]),
        )  # fmt: skip
        [client] = page.json()["clients"]
        assert client["account_id"] == new
