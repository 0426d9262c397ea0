"""Delivery: retries after temporary failures, 5xx suppression, replays, dead tokens."""

from __future__ import annotations

import asyncio
import secrets
import uuid

import asyncpg
import pytest

from frontdesk_contracts import PasswordResetRequested, generate_key_pair, new_event, seal
from frontdesk_testing import unique_address

from .conftest import admin_created, in_hours
from .helpers import notification_events, notifications_topic, wait_message, wait_status

pytestmark = pytest.mark.integration


def reset_requested(service, email: str, token: str, **overrides):  # type: ignore[no-untyped-def]
    values = {
        "account_id": f"acc-{uuid.uuid4().hex[:8]}",
        "email": email,
        "requested_by": "self",
        "reset_token": service.seal(token),
        "expires_at": in_hours(1),
        **overrides,
    }
    return new_event(PasswordResetRequested(**values))


async def test_temporary_failures_are_retried_until_delivered(service, inbox, read_topic):
    email = unique_address("flaky")
    await inbox.add_fault(email, code=451, times=2)
    event = admin_created(service, email, secrets.token_urlsafe(16))
    await service.publish(event)

    message = await inbox.wait_for(email, timeout=30)

    assert message.subject.startswith("Create your login")
    [row] = await wait_status(service, event.id, "sent")
    assert row["attempts"] == 3
    records = await read_topic(notifications_topic(service.settings.topic_prefix), expected=3)
    told = notification_events(records, event.id)
    assert [(e["type"], e.get("permanent"), e["attempts"]) for e in told] == [
        ("EmailFailed", False, 1),
        ("EmailFailed", False, 2),
        ("EmailSent", None, 3),
    ]
    assert "451" in told[0]["reason"]


async def test_a_550_reply_fails_the_message_and_suppresses_the_address(service, inbox, read_topic):
    email = unique_address("reject550.bob")
    first = admin_created(service, email, secrets.token_urlsafe(16))
    await service.publish(first)
    [row] = await wait_status(service, first.id, "failed")
    assert row["attempts"] == 1 and row["last_error"].startswith("550")

    listed = (await service.http.get("/suppressions", params={"address": email})).json()
    assert [s["address"] for s in listed["suppressions"]] == [email.lower()]

    second = reset_requested(service, email, secrets.token_urlsafe(16))
    await service.publish(second)
    [held] = await wait_status(service, second.id, "suppressed")
    assert held["attempts"] == 0

    records = await read_topic(notifications_topic(service.settings.topic_prefix), expected=2)
    [failed] = notification_events(records, first.id)
    assert failed["type"] == "EmailFailed" and failed["permanent"] is True
    [suppressed] = notification_events(records, second.id)
    assert suppressed["type"] == "EmailSuppressed" and suppressed["reason"] == "bounced"
    assert await inbox.messages(email) == []

    lifted = await service.http.delete(f"/suppressions/{email}")
    assert lifted.status_code == 204
    again = await service.http.delete(f"/suppressions/{email}")
    assert again.status_code == 404
    assert again.headers["content-type"] == "application/problem+json"


async def test_replayed_events_send_no_second_email(service, inbox):
    email = unique_address("replay")
    event = admin_created(service, email, secrets.token_urlsafe(16))
    await service.publish(event)
    first = await inbox.wait_for(email, timeout=30)

    for _ in range(3):  # the same record again, as a redelivery or a replay would bring it
        await service.publish(event)
    marker_email = unique_address("replay-marker")
    marker = admin_created(service, marker_email, secrets.token_urlsafe(16))
    marker = marker.model_copy(
        update={
            "payload": marker.payload.model_copy(update={"account_id": event.payload.account_id})
        }
    )
    marker = new_event(marker.payload)  # same key as the replays: handled after them
    await service.publish(marker)
    await inbox.wait_for(marker_email, timeout=30)
    await asyncio.sleep(0.5)

    assert [m.id for m in await inbox.messages(email)] == [first.id]
    [row] = await wait_status(service, event.id, "sent")
    assert row["attempts"] == 1


async def test_an_expired_token_is_not_sent(service, inbox, read_topic):
    email = unique_address("expired")
    event = reset_requested(service, email, secrets.token_urlsafe(16), expires_at=in_hours(-0.01))
    await service.publish(event)

    [row] = await wait_status(service, event.id, "cancelled")

    assert row["status_reason"] == "expired" and row["attempts"] == 0
    records = await read_topic(notifications_topic(service.settings.topic_prefix), expected=1)
    [told] = notification_events(records, event.id)
    assert told["type"] == "EmailSuppressed" and told["reason"] == "expired"
    assert await inbox.messages(email) == []


async def test_a_token_that_expires_while_retrying_is_not_sent(start_service, inbox):
    # A retry budget (30 attempts, at least ~7 s of backoff) that outlasts the link's
    # 2 seconds, so the link dies while the message is still being retried.
    async with start_service(retry_max_attempts=30, retry_max_delay=0.5) as service:
        email = unique_address("tempfail451.expiring")  # devmail answers 451 to it, every time
        event = reset_requested(
            service, email, secrets.token_urlsafe(16), expires_at=in_hours(2.0 / 3600)
        )
        await service.publish(event)

        row = await wait_message(service, event.id, lambda m: m["status"] != "queued")

        assert (row["status"], row["status_reason"]) == ("cancelled", "expired")
        assert row["attempts"] >= 1
        assert await inbox.messages(email) == []


async def test_a_superseded_link_is_not_sent_only_the_new_one(start_service, inbox):
    async with start_service(retry_first_delay=2.0) as service:
        email = unique_address("superseded")
        await inbox.add_fault(email, code=451, times=1)  # holds the first back for a retry
        old_token, new_token = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        first = reset_requested(service, email, old_token)
        await service.publish(first)
        await wait_message(service, first.id, lambda m: m["attempts"] == 1)
        second = reset_requested(
            service, email, new_token, supersedes=first.id, account_id=first.payload.account_id
        )
        await service.publish(second)

        message = await inbox.wait_for(email, timeout=30)
        assert new_token in message.link_containing("/links/reset-password")
        old = await wait_message(service, first.id, lambda m: m["status"] != "queued")
        assert (old["status"], old["status_reason"]) == ("cancelled", "superseded")
        assert len(await inbox.messages(email)) == 1


async def test_a_newer_link_supersedes_an_unsent_one_even_unannounced(start_service, inbox):
    async with start_service(retry_first_delay=2.0) as service:
        email = unique_address("newer")
        await inbox.add_fault(email, code=451, times=1)
        old_token, new_token = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        first = admin_created(service, email, old_token)
        await service.publish(first)
        await wait_message(service, first.id, lambda m: m["attempts"] == 1)
        second = admin_created(service, email, new_token, account_id=first.payload.account_id)
        await service.publish(second)

        message = await inbox.wait_for(email, timeout=30)
        assert new_token in message.link_containing("/links/create-login")
        old = await wait_message(service, first.id, lambda m: m["status"] != "queued")
        assert (old["status"], old["status_reason"]) == ("cancelled", "superseded")


async def test_a_token_sealed_to_an_unknown_key_fails_that_message_only(service, inbox, read_topic):
    stranger = generate_key_pair("not-ours")
    email, good_email = unique_address("unknown-key"), unique_address("after-unknown-key")
    bad = reset_requested(service, email, "x")
    bad = new_event(
        bad.payload.model_copy(
            update={"reset_token": seal("t0ken", stranger.public_key, stranger.key_id)}
        )
    )
    await service.publish(bad)
    good = admin_created(service, good_email, secrets.token_urlsafe(16))
    await service.publish(good)

    await inbox.wait_for(good_email, timeout=30)
    [row] = await wait_status(service, bad.id, "failed")
    assert row["status_reason"] == "unbuildable" and "does not open" in row["last_error"]
    records = await read_topic(notifications_topic(service.settings.topic_prefix), expected=2)
    [told] = notification_events(records, bad.id)
    assert told["type"] == "EmailFailed" and told["permanent"] is True


async def test_rotated_keys_still_open_tokens_sealed_to_the_old_key(start_service, inbox):
    old, new = generate_key_pair("rot-old"), generate_key_pair("rot-new")
    keys = {pair.key_id: pair.encoded_private_key().reveal() for pair in (old, new)}
    async with start_service(keys=new, sealing_private_keys=keys) as service:
        email, token = unique_address("rotated"), secrets.token_urlsafe(16)
        event = reset_requested(service, email, token)
        event = new_event(
            event.payload.model_copy(
                update={"reset_token": seal(token, old.public_key, old.key_id)}
            )
        )
        await service.publish(event)
        message = await inbox.wait_for(email, timeout=30)
        assert token in message.link_containing("/links/reset-password")


async def test_no_token_is_kept_in_plaintext_in_the_database(service, inbox):
    email, token = unique_address("plain"), secrets.token_urlsafe(32)
    held, held_token = unique_address("tempfail451.held"), secrets.token_urlsafe(32)
    sent_event = admin_created(service, email, token)
    held_event = admin_created(service, held, held_token)
    await service.publish(sent_event)
    await service.publish(held_event)
    await inbox.wait_for(email, timeout=30)
    await wait_status(service, sent_event.id, "sent")

    conn = await asyncpg.connect(service.settings.database_url)
    try:
        dump = await conn.fetchval(
            "SELECT string_agg(row_to_json(m)::text, ' ') FROM outgoing_messages m"
        )
        sealed_after_sending = await conn.fetchval(
            "SELECT sealed_secrets FROM outgoing_messages WHERE event_id = $1", sent_event.id
        )
    finally:
        await conn.close()
    assert token not in dump and held_token not in dump
    assert sealed_after_sending is None  # even the ciphertext goes once it was used
    answer = await service.http.get("/messages", params={"recipient": held})
    assert held_token not in answer.text and "sealed" not in answer.text
