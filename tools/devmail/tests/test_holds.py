"""Held replies: the message is stored, and only then its 250 waits, as the sender meets it."""

from __future__ import annotations

import asyncio

import aiosmtplib
import pytest

from frontdesk_devmail.client import HoldEndedError


async def test_held_message_is_stored_before_its_reply_is_sent(aio_send_mail, inbox):
    hold = await inbox.hold_replies("held.", hold_seconds=60)
    assert (hold.remaining, hold.held_message_ids) == (1, [])
    sending = asyncio.create_task(aio_send_mail("held.amy@example.test", "Reset", timeout=120))

    [held_id] = await inbox.wait_until_held(hold.id)

    stored = await inbox.wait_for("held.amy@example.test", timeout=5)
    assert (stored.id, stored.subject) == (held_id, "Reset")
    assert not sending.done()  # the sender has heard nothing yet
    [view] = await inbox.holds()
    assert (view.remaining, view.held_message_ids) == (0, [held_id])

    await inbox.release_holds()

    async with asyncio.timeout(10):
        reply = await sending
    assert reply.endswith(f"queued as {held_id}")
    assert [m.id for m in await inbox.messages()] == [held_id]
    assert await inbox.holds() == []


async def test_hold_releases_by_itself_after_hold_seconds(aio_send_mail, inbox):
    hold = await inbox.hold_replies("brief.", hold_seconds=1)
    sending = asyncio.create_task(aio_send_mail("brief.bo@example.test", "Welcome"))

    [held_id] = await inbox.wait_until_held(hold.id)

    async with asyncio.timeout(10):
        reply = await sending
    assert reply.endswith(f"queued as {held_id}")
    assert await inbox.holds() == []
    assert len(await inbox.messages()) == 1


async def test_other_connections_are_served_during_a_hold(aio_send_mail, inbox):
    hold = await inbox.hold_replies("slow.", hold_seconds=60, times=1)
    held = asyncio.create_task(aio_send_mail("slow.cy@example.test", "First", timeout=120))
    [held_id] = await inbox.wait_until_held(hold.id)

    async with asyncio.timeout(10):
        other = await aio_send_mail("quick.di@example.test", "Other")
        after = await aio_send_mail("slow.cy@example.test", "Second")  # times=1: not held

    assert "queued as" in other and "queued as" in after
    assert not held.done()
    assert [m.subject for m in await inbox.messages()] == ["First", "Other", "Second"]
    await inbox.clear_faults()  # releases the held reply too
    async with asyncio.timeout(10):
        assert (await held).endswith(f"queued as {held_id}")


async def test_sender_hanging_up_during_the_hold_leaves_the_message_stored(
    devmail, aio_send_mail, inbox
):
    hold = await inbox.hold_replies("gone.", hold_seconds=60)
    client = aiosmtplib.SMTP(hostname=devmail.smtp_address[0], port=devmail.smtp_address[1])
    await client.connect()
    sending = asyncio.create_task(
        client.sendmail(
            "noreply@frontdesk.test", ["gone.ed@example.test"], b"Subject: Bye\r\n\r\nx"
        )
    )
    [held_id] = await inbox.wait_until_held(hold.id)

    sending.cancel()
    client.close()

    async with asyncio.timeout(10):
        while await inbox.holds():  # noqa: ASYNC110 - polls the API; the hold ends with its session
            await asyncio.sleep(0.02)
    [message] = await inbox.messages()
    assert (message.id, message.subject) == (held_id, "Bye")
    assert "queued as" in await aio_send_mail("gone.ed@example.test", "Again")


async def test_waiting_on_a_hold_that_ended_unseen_says_so(inbox):
    hold = await inbox.hold_replies("never.", hold_seconds=60)
    await inbox.release_holds()

    with pytest.raises(HoldEndedError):
        await inbox.wait_until_held(hold.id)


async def test_messages_to_other_recipients_are_not_held(aio_send_mail, inbox):
    hold = await inbox.hold_replies("held.", hold_seconds=60)

    async with asyncio.timeout(10):
        reply = await aio_send_mail("unheld.fay@example.test", "Hello")

    assert "queued as" in reply
    [view] = await inbox.holds()
    assert (view.id, view.remaining, view.held_message_ids) == (hold.id, 1, [])


@pytest.mark.parametrize(
    "body",
    [
        {"recipient_prefix": "x"},
        {"recipient_prefix": "x", "hold_seconds": 0},
        {"recipient_prefix": "x", "hold_seconds": 241},
        {"recipient_prefix": "x", "hold_seconds": 5, "times": 0},
        {"recipient_prefix": "x" * 321, "hold_seconds": 5},
        {"hold_seconds": 5},
    ],
)
async def test_invalid_hold_is_a_422_problem(http, body):
    response = await http.post("/api/faults/holds", json=body)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert (await http.get("/api/faults/holds")).json() == []
