"""Who may see what: another account's proposals and another studio's clients stay out of
reach; bad tokens, assertions and input get problem bodies; bad events are dead-lettered."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from frontdesk_contracts import SessionsRevoked, new_event

pytestmark = pytest.mark.integration


async def _matched(registry, ev) -> tuple[str, str, str, str]:
    studio, old, new, email = ev.unique("studio"), ev.unique("acc"), ev.unique("app"), "k@x.io"
    await registry.publish(ev.imported(old, studio, email), ev.signup_completed(new, email))
    await registry.wait_for("SELECT count(*) FROM client_records")
    await registry.publish(ev.signup_matched(new, email, [(old, studio)]))
    await registry.wait_for("SELECT count(*) FROM merge_proposals")
    proposal = await registry.pool.fetchval("SELECT proposal_id FROM merge_proposals")
    return studio, old, new, proposal


async def test_another_accounts_proposal_answers_404(registry, ev):
    _, old, _, proposal = await _matched(registry, ev)
    stranger_id = ev.unique("app")
    await registry.publish(ev.signup_completed(stranger_id, "k@x.io"))  # proved the address too
    await registry.wait_for("SELECT 1 FROM accounts WHERE account_id = $1", stranger_id)
    stranger = registry.token(stranger_id)

    listed = await registry.http.get("/v1/me/merge-proposals", headers=stranger)
    confirm = await registry.http.post(
        f"/v1/me/merge-proposals/{proposal}/confirm", headers=stranger
    )
    decline = await registry.http.post(
        f"/v1/me/merge-proposals/{proposal}/decline", headers=stranger
    )
    unknown = await registry.http.post("/v1/me/merge-proposals/mp-nope/confirm", headers=stranger)

    assert listed.json() == {"proposals": []}
    assert confirm.status_code == decline.status_code == unknown.status_code == 404
    assert confirm.json() == unknown.json()  # an existing proposal looks like a missing one
    assert await registry.pool.fetchval("SELECT account_id FROM client_records") == old
    assert await registry.pool.fetchval("SELECT status FROM merge_proposals") == "pending"


async def test_another_studios_clients_are_not_reachable(registry, ev):
    studio, _, _, _ = await _matched(registry, ev)
    record = await registry.pool.fetchval("SELECT client_record_id FROM client_records")
    other_admin = registry.admin([ev.unique("studio")])

    listing = await registry.http.get(f"/v1/studios/{studio}/clients", headers=other_admin)
    detail = await registry.http.get(f"/v1/studios/{studio}/clients/{record}", headers=other_admin)
    missing = await registry.http.get(
        f"/v1/studios/{studio}/clients/cr-missing", headers=registry.admin([studio])
    )
    own = await registry.http.get(f"/v1/studios/{studio}/clients/{record}",
                                  headers=registry.admin([studio]))  # fmt: skip

    assert listing.status_code == detail.status_code == missing.status_code == 404
    assert detail.json() == missing.json()  # the other studio's client looks like no client
    assert own.status_code == 200


async def test_bad_tokens_and_assertions_answer_401(registry, ev):
    studio = ev.unique("studio")
    expired = registry.token("app-1", exp=int(time.time()) - 5)
    wrong_aud = registry.token("app-1", aud="someone-else")
    wrong_iss = registry.token("app-1", iss="not-identity")
    forged = registry.admin([studio], key=registry.identity_key)  # not the gateway's key
    for headers in ({}, {"Authorization": "Bearer nonsense"}, expired, wrong_aud, wrong_iss):
        answer = await registry.http.get("/v1/me/merge-proposals", headers=headers)
        assert answer.status_code == 401
        assert answer.headers["content-type"] == "application/problem+json"
    for headers in (
        {},
        forged,
        registry.admin([studio], aud="frontdesk-identity"),
        registry.admin([studio], exp=int(time.time()) - 60),  # past the 30 s clock skew
    ):
        answer = await registry.http.get(f"/v1/studios/{studio}/clients", headers=headers)
        assert answer.status_code == 401
        assert answer.json()["status"] == 401


async def test_a_revoked_token_is_refused(registry, ev):
    account = ev.unique("app")
    headers = registry.token(account, iat=int(time.time()) - 60)
    assert (await registry.http.get("/v1/me/merge-proposals", headers=headers)).status_code == 200
    revoked = SessionsRevoked(
        account_id=account, reason="accounts_merged", revoked_before=datetime.now(UTC)
    )
    await registry.publish(new_event(revoked))
    await registry.wait_for("SELECT count(*) FROM accounts WHERE revoked_before IS NOT NULL")

    assert (await registry.http.get("/v1/me/merge-proposals", headers=headers)).status_code == 401


async def test_bad_input_gets_a_problem_body(registry, ev):
    studio = ev.unique("studio")
    admin = registry.admin([studio])
    for params in ({"limit": 0}, {"limit": "many"}, {"state": "sleepy"}, {"q": ""}):
        answer = await registry.http.get(f"/v1/studios/{studio}/clients", params=params,
                                         headers=admin)  # fmt: skip
        assert answer.status_code == 422
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["errors"]
    long_id = "p" * 129
    answer = await registry.http.post(f"/v1/me/merge-proposals/{long_id}/confirm",
                                      headers=registry.token("app-1"))  # fmt: skip
    assert answer.status_code == 422


async def test_malformed_events_go_to_the_dead_letter_topic(registry, ev):
    await registry.publish_raw(b"{not json")
    await registry.publish_raw(b'{"type": "AccountImported", "schema_version": 1}')
    after = ev.imported(ev.unique("acc"), ev.unique("studio"), "m@x.io")
    await registry.publish(after)

    await registry.wait_for("SELECT count(*) FROM client_records")  # the consumer went on
    letters = await registry.read(registry.prefix + "frontdesk-client-registry.dlq", 2)
    assert len(letters) == 2
    reasons = [dict(letter.headers)["dlq_reason"].decode() for letter in letters]
    assert all(reasons)
