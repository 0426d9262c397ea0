"""The merge's rules: exactly one winner, proof of ownership, expiry, decline, replays."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

pytestmark = pytest.mark.integration


async def _proposal(registry, account: str) -> str:
    await registry.wait_for("SELECT count(*) FROM merge_proposals WHERE account_id = $1", account)
    return await registry.pool.fetchval(
        "SELECT proposal_id FROM merge_proposals WHERE account_id = $1", account
    )


async def _prove(registry, ev, account: str, email: str) -> None:
    """identity's SignupCompleted: `account` proved it owns `email` (stored once handled)."""
    await registry.publish(ev.signup_completed(account, email))
    await registry.wait_for(
        "SELECT verified_email = $2 FROM accounts WHERE account_id = $1", account, email
    )


async def _rivals(registry, ev, email: str) -> tuple[str, str, dict[str, str]]:
    """Two signups that proved `email` are each offered the one studio record that has it:
    the two accounts and their proposals' ids."""
    studio, old = ev.unique("studio"), ev.unique("acc")
    first, second = ev.unique("app"), ev.unique("app")
    await registry.publish(ev.imported(old, studio, email))
    await registry.wait_for("SELECT count(*) FROM client_records")
    await registry.publish(
        ev.signup_completed(first, email), ev.signup_matched(first, email, [(old, studio)]),
        ev.signup_completed(second, email), ev.signup_matched(second, email, [(old, studio)]),
    )  # fmt: skip
    return first, second, {a: await _proposal(registry, a) for a in (first, second)}


async def test_concurrent_confirmations_of_one_record_exactly_one_wins(registry, ev):
    first, second, ids = await _rivals(registry, ev, "c@x.io")

    answers = await asyncio.gather(*(
        registry.http.post(f"/v1/me/merge-proposals/{ids[a]}/confirm",
                           headers=registry.token(a))
        for a in (first, second)
    ))  # fmt: skip

    assert sorted(r.status_code for r in answers) == [200, 409]
    loser = next(r for r in answers if r.status_code == 409)
    assert loser.headers["content-type"] == "application/problem+json"
    assert loser.json()["reason"] == "record_merged_elsewhere"
    winner = next(r for r in answers if r.status_code == 200).json()["surviving_account_id"]
    assert await registry.pool.fetchval("SELECT count(*) FROM merges") == 1
    assert await registry.pool.fetchval("SELECT account_id FROM client_records") == winner
    published = await registry.events(expected=5)
    [rejected] = [e for e in published if e.type == "MergeRejected"]
    assert rejected.payload.reason == "record_merged_elsewhere"
    assert rejected.payload.account_id != winner
    assert [e.payload.surviving_account_id for e in published if e.type == "ClientsMerged"] == [
        winner
    ]


async def test_confirming_twice_at_once_merges_once(registry, ev):
    studio, old, new, email = ev.unique("studio"), ev.unique("acc"), ev.unique("app"), "d@x.io"
    await registry.publish(ev.imported(old, studio, email), ev.signup_completed(new, email))
    await registry.wait_for("SELECT count(*) FROM client_records")
    await registry.publish(ev.signup_matched(new, email, [(old, studio)]))
    url = f"/v1/me/merge-proposals/{await _proposal(registry, new)}/confirm"

    answers = await asyncio.gather(
        *(registry.http.post(url, headers=registry.token(new)) for _ in range(3))
    )

    assert [r.status_code for r in answers] == [200, 200, 200]  # SignupCompleted proved it
    assert len({r.json()["merged_at"] for r in answers}) == 1
    published = await registry.events(expected=3)
    assert [e.type for e in published].count("ClientsMerged") == 1


async def test_without_proof_of_the_address_a_merge_is_refused(registry, ev):
    studio, old, new, email = ev.unique("studio"), ev.unique("acc"), ev.unique("app"), "e@x.io"
    await registry.publish(ev.imported(old, studio, email))
    await registry.wait_for("SELECT count(*) FROM client_records")
    await registry.publish(ev.signup_matched(new, email, [(old, studio)]))
    url = f"/v1/me/merge-proposals/{await _proposal(registry, new)}/confirm"

    unproven = await registry.http.post(url, headers=registry.token(new))
    # An address in the token proves nothing (identity never puts one there).
    claimed = await registry.http.post(
        url, headers=registry.token(new, email=email, email_verified=True)
    )
    await _prove(registry, ev, new, "x@y.io")
    other_address = await registry.http.post(url, headers=registry.token(new))
    await _prove(registry, ev, new, email)
    proven = await registry.http.post(url, headers=registry.token(new))

    assert (unproven.status_code, claimed.status_code, other_address.status_code) == (
        403, 403, 403
    )  # fmt: skip
    assert unproven.json()["title"] == "email ownership not proven"
    assert proven.status_code == 200


async def test_an_expired_proposal_cannot_be_confirmed(registry, ev):
    studio, old, new, email = ev.unique("studio"), ev.unique("acc"), ev.unique("app"), "f@x.io"
    await registry.publish(ev.imported(old, studio, email), ev.signup_completed(new, email))
    await registry.wait_for("SELECT count(*) FROM client_records")
    long_ago = datetime.now(UTC) - timedelta(days=31)  # default lifetime: 30 days
    await registry.publish(ev.signup_matched(new, email, [(old, studio)], time=long_ago))
    proposal = await _proposal(registry, new)
    token = registry.token(new)

    listed = await registry.http.get("/v1/me/merge-proposals", headers=token)
    refused = await registry.http.post(f"/v1/me/merge-proposals/{proposal}/confirm", headers=token)

    assert listed.json() == {"proposals": []}
    assert refused.status_code in (409, 410)  # 410 before the sweep, 409 (expired) after
    await registry.wait_for(
        "SELECT status = 'expired' FROM merge_proposals WHERE proposal_id = $1", proposal
    )
    published = await registry.events(expected=3)
    assert "MergeProposalExpired" in [e.type for e in published]
    assert "ClientsMerged" not in [e.type for e in published]
    again = await registry.http.post(f"/v1/me/merge-proposals/{proposal}/confirm", headers=token)
    assert again.status_code == 409
    assert again.json()["proposal_status"] == "expired"


async def test_a_declined_proposal_stays_separate(registry, ev):
    studio, old, new, email = ev.unique("studio"), ev.unique("acc"), ev.unique("app"), "g@x.io"
    await registry.publish(ev.imported(old, studio, email), ev.signup_completed(new, email))
    await registry.wait_for("SELECT count(*) FROM client_records")
    await registry.publish(ev.signup_matched(new, email, [(old, studio)]))
    base = f"/v1/me/merge-proposals/{await _proposal(registry, new)}"
    token = registry.token(new)

    declined = await registry.http.post(base + "/decline", headers=token)
    confirm_after = await registry.http.post(base + "/confirm", headers=token)

    assert declined.json()["status"] == "declined"
    assert confirm_after.status_code == 409
    assert await registry.pool.fetchval("SELECT account_id FROM client_records") == old
    published = await registry.events(expected=3)
    [rejected] = [e for e in published if e.type == "MergeRejected"]
    assert rejected.payload.reason == "declined"


async def test_replayed_events_change_nothing(registry, ev):
    studio, old, new, email = ev.unique("studio"), ev.unique("acc"), ev.unique("app"), "h@x.io"
    events = [
        ev.imported(old, studio, email),
        ev.signup_completed(new, email),
    ]
    await registry.publish(*events)
    await registry.wait_for("SELECT count(*) FROM client_records")
    matched = ev.signup_matched(new, email, [(old, studio)])
    await registry.publish(matched)
    proposal = await _proposal(registry, new)
    confirmed = await registry.http.post(
        f"/v1/me/merge-proposals/{proposal}/confirm", headers=registry.token(new)
    )
    assert confirmed.status_code == 200
    before = await registry.events(expected=3)
    tables = (
        "SELECT (SELECT count(*) FROM client_records WHERE studio_id = $1),"
        " (SELECT count(*) FROM merge_proposals), (SELECT count(*) FROM merges)"
    )
    counts = await registry.pool.fetchrow(tables, studio)

    # The same events again (a consumer-group rewind), and the import re-sent under a new id.
    await registry.publish(*events, matched, ev.imported(old, studio, email))
    marker = ev.imported(ev.unique("acc"), ev.unique("studio"), "z@x.io")
    await registry.publish(marker)
    await registry.wait_for("SELECT count(*) FROM handled_events WHERE event_id = $1", marker.id)

    assert await registry.pool.fetchrow(tables, studio) == counts == (1, 1, 1)
    assert await registry.pool.fetchval("SELECT account_id FROM client_records WHERE "
                                        "original_account_id = $1", old) == new  # fmt: skip
    after = await registry.events(expected=len(before) + 1)
    assert len(after) == len(before) + 1  # only the marker's ClientRecordCreated


async def test_a_proposal_is_withdrawn_once_its_record_is_merged_elsewhere(registry, ev):
    first, second, ids = await _rivals(registry, ev, "w@x.io")
    url = "/v1/me/merge-proposals/{}/confirm"
    won = await registry.http.post(url.format(ids[first]), headers=registry.token(first))
    assert won.status_code == 200

    token = registry.token(second)
    listed = await registry.http.get("/v1/me/merge-proposals", headers=token)
    late = await registry.http.post(url.format(ids[second]), headers=token)

    assert listed.json() == {"proposals": []}
    assert late.status_code == 409
    assert (late.json()["proposal_status"], late.json()["reason"]) == (
        "withdrawn", "record_merged_elsewhere"
    )  # fmt: skip


async def test_a_proposal_that_arrives_before_its_record_waits_for_it(registry, ev):
    studio, old, new, email = ev.unique("studio"), ev.unique("acc"), ev.unique("app"), "o@x.io"
    # Different accounts, different partitions: the match may overtake the import. The
    # signup's proof shares the match's key (the new account), so it comes first.
    await registry.publish(
        ev.signup_completed(new, email), ev.signup_matched(new, email, [(old, studio)])
    )
    url = f"/v1/me/merge-proposals/{await _proposal(registry, new)}/confirm"
    token = registry.token(new)

    early = await registry.http.post(url, headers=token)
    await registry.publish(ev.imported(old, studio, email))
    await registry.wait_for("SELECT count(*) FROM client_records")
    later = await registry.http.post(url, headers=token)

    assert early.status_code == 409
    assert early.json()["title"] == "client record not available yet"
    assert later.status_code == 200
