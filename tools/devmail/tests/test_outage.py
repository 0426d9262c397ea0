"""SMTP outages: connecting is refused while the HTTP API stays up, then mail flows again."""

from __future__ import annotations

import asyncio

import aiosmtplib
import pytest


async def connect_is_refused(address: tuple[str, int]) -> bool:
    """Whether a TCP connect to ``address`` is refused (ECONNREFUSED)."""
    try:
        _, writer = await asyncio.open_connection(*address)
    except ConnectionRefusedError:
        return True
    writer.close()
    await writer.wait_closed()
    return False


async def test_outage_refuses_connections_until_it_is_ended(devmail, aio_send_mail, inbox):
    outage = await inbox.refuse_connections(60)

    assert outage.refusing and 0 < (outage.seconds_left or 0) <= 60
    assert await connect_is_refused(devmail.smtp_address)
    with pytest.raises(aiosmtplib.SMTPConnectError):
        await aio_send_mail("out.gil@example.test", "Hello")
    assert (await inbox.outage()).refusing  # the HTTP API still answers

    await inbox.end_outage()

    assert (await inbox.outage()).model_dump() == {"refusing": False, "seconds_left": None}
    assert "queued as" in await aio_send_mail("out.gil@example.test", "Hello")
    assert len(await inbox.messages()) == 1


async def test_outage_ends_by_itself_after_its_seconds(devmail, aio_send_mail, inbox):
    await inbox.refuse_connections(1.5)
    assert await connect_is_refused(devmail.smtp_address)

    async with asyncio.timeout(10):
        while await connect_is_refused(devmail.smtp_address):  # noqa: ASYNC110 - polls the port
            await asyncio.sleep(0.05)

    assert not (await inbox.outage()).refusing
    assert "queued as" in await aio_send_mail("back.hal@example.test", "Hello")


async def test_outage_closes_the_sessions_already_open(devmail, inbox):
    client = aiosmtplib.SMTP(hostname=devmail.smtp_address[0], port=devmail.smtp_address[1])
    await client.connect()
    await client.ehlo()

    await inbox.refuse_connections(60)

    with pytest.raises(aiosmtplib.SMTPServerDisconnected):
        await client.noop()
    await inbox.end_outage()


async def test_outage_drops_a_held_reply_and_keeps_its_message(devmail, aio_send_mail, inbox):
    hold = await inbox.hold_replies("held.", hold_seconds=60)
    sending = asyncio.create_task(aio_send_mail("held.ida@example.test", "Reset", timeout=120))
    [held_id] = await inbox.wait_until_held(hold.id)

    await inbox.refuse_connections(60)

    with pytest.raises(aiosmtplib.SMTPServerDisconnected):
        async with asyncio.timeout(10):
            await sending
    assert [m.id for m in await inbox.messages()] == [held_id]
    await inbox.end_outage()


async def test_a_new_outage_during_one_sets_its_end(devmail, inbox):
    await inbox.refuse_connections(1)

    outage = await inbox.refuse_connections(60)

    assert (outage.seconds_left or 0) > 30
    await asyncio.sleep(1.5)  # past the first outage's end, which no longer applies
    assert await connect_is_refused(devmail.smtp_address)
    await inbox.end_outage()
    assert not await connect_is_refused(devmail.smtp_address)


async def test_clearing_every_fault_ends_the_outage(devmail, inbox):
    await inbox.refuse_connections(60)

    await inbox.clear_faults()

    assert not (await inbox.outage()).refusing
    assert not await connect_is_refused(devmail.smtp_address)


async def test_ending_no_outage_changes_nothing(devmail, inbox):
    await inbox.end_outage()

    assert not (await inbox.outage()).refusing
    assert not await connect_is_refused(devmail.smtp_address)


@pytest.mark.parametrize(
    "body", [{}, {"seconds": 0}, {"seconds": -1}, {"seconds": 3_601}, {"seconds": "a while"}]
)
async def test_invalid_outage_is_a_422_problem(devmail, http, body):
    response = await http.put("/api/faults/outage", json=body)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert (await http.get("/api/faults/outage")).json()["refusing"] is False
    assert not await connect_is_refused(devmail.smtp_address)
