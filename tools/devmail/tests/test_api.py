"""The JSON API and its client, against a real server fed over real SMTP."""

from __future__ import annotations

import asyncio
import smtplib
import time
from typing import Any

import httpx
import pytest

from frontdesk_devmail.client import (
    DevmailError,
    InboxClient,
    MessageNotFoundError,
    MessageWaitTimeoutError,
)
from frontdesk_devmail.server import DevmailServer

CREATE_LOGIN_URL = "https://app.frontdesk.test/create-login?token=s3cr3t&studio=7"
HTML = (
    "<p>Welcome to the studio!</p>"
    f'<p><a href="{CREATE_LOGIN_URL.replace("&", "&amp;")}">Create your login</a></p>'
    '<p><a href="mailto:help@frontdesk.test">Help</a></p>'
)
TEXT = f"Welcome to the studio!\n\nCreate your login: {CREATE_LOGIN_URL}\n\nSee https://frontdesk.test/help.\n"


def problem_of(response: httpx.Response) -> dict[str, Any]:
    """The RFC 9457 body of an error response, checked for its required members."""
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == response.status_code
    return body


async def until_a_request_waits(devmail: DevmailServer) -> None:
    """Poll (briefly) until the server holds a long-poll request."""
    async with asyncio.timeout(5):
        while True:
            if devmail.inbox.waiting:
                return
            await asyncio.sleep(0.005)


async def test_multipart_message_shows_up_with_its_parts_and_links(send_mail, inbox):
    await send_mail("Alice@Example.test", "Create your login", TEXT, HTML)

    [summary] = await inbox.messages(to="alice@example.TEST")
    assert summary.to == ["Alice@Example.test"]
    assert summary.subject == "Create your login"
    assert summary.sender == "Frontdesk <noreply@frontdesk.test>"
    assert summary.message_id.startswith("<") and summary.message_id.endswith("@frontdesk.test>")

    message = await inbox.message(summary.id)
    assert message.text == TEXT
    assert message.html is not None and 'href="https://app.frontdesk.test/' in message.html
    assert message.headers["Subject"] == "Create your login"
    assert message.links == [CREATE_LOGIN_URL, "https://frontdesk.test/help"]
    assert message.link_containing("/create-login") == CREATE_LOGIN_URL


async def test_listing_filters_by_recipient_subject_and_id(send_mail, inbox):
    await send_mail("alice@example.test", "Create your login")
    await send_mail("bob@example.test", "Reset your password")
    await send_mail(["alice@example.test", "carol@example.test"], "Your password was changed")

    def subjects(found):
        return [m.subject for m in found]

    everything = await inbox.messages()
    assert subjects(everything) == [
        "Create your login",
        "Reset your password",
        "Your password was changed",
    ]
    assert subjects(await inbox.messages("ALICE@example.test")) == [
        "Create your login",
        "Your password was changed",
    ]
    assert subjects(await inbox.messages(subject_contains="PASSWORD")) == [
        "Reset your password",
        "Your password was changed",
    ]
    after_first = await inbox.messages(since_id=everything[0].id)
    assert subjects(after_first) == subjects(everything[1:])


async def test_raw_message_is_the_eml_as_received(send_mail, inbox, http):
    await send_mail("alice@example.test", "Raw", "Body line")
    [summary] = await inbox.messages()

    response = await http.get(f"/api/messages/{summary.id}/raw")

    assert response.headers["content-type"] == "message/rfc822"
    assert b"Subject: Raw" in response.content
    assert b"Body line" in response.content
    assert await inbox.raw(summary.id) == response.content


async def test_missing_message_is_a_404_problem(http, inbox):
    response = await http.get("/api/messages/4242")

    assert response.status_code == 404
    problem = problem_of(response)
    assert problem["title"] == "Not Found"
    assert "4242" in problem["detail"]
    with pytest.raises(MessageNotFoundError):
        await inbox.message(4242)
    assert (await http.get("/api/messages/4242/raw")).status_code == 404
    assert (await http.delete("/api/messages/4242")).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/api/messages?since_id=yesterday",
        "/api/messages?since_id=-1",
        "/api/messages/not-a-number",
        "/api/messages/wait?timeout=61",
        "/api/messages/wait?timeout=0",
    ],
)
async def test_bad_parameters_are_a_422_problem(http, url):
    response = await http.get(url)

    assert response.status_code == 422
    problem = problem_of(response)
    assert problem["errors"], problem


async def test_health(http):
    response = await http.get("/api/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_delete_one_then_clear_all(send_mail, inbox, http):
    for subject in ("one", "two", "three"):
        await send_mail("alice@example.test", subject)
    one, two, three = await inbox.messages()

    await inbox.delete(two.id)
    assert [m.id for m in await inbox.messages()] == [one.id, three.id]
    with pytest.raises(MessageNotFoundError):
        await inbox.message(two.id)

    response = await http.delete("/api/messages")
    assert response.status_code == 204
    assert await inbox.messages() == []

    await send_mail("alice@example.test", "after the clear")
    [fresh] = await inbox.messages()
    assert fresh.id > three.id, "ids are never reused, so since_id stays meaningful"


async def test_wait_for_returns_a_message_sent_after_the_call_started(
    devmail: DevmailServer, send_mail, inbox: InboxClient
):
    await send_mail("someone-else@example.test", "Not this one")
    waiting = asyncio.create_task(
        inbox.wait_for("dave@example.test", subject_contains="reset", timeout=10)
    )
    await until_a_request_waits(devmail)
    assert not waiting.done()

    await send_mail("dave@example.test", "Your login")
    await send_mail("dave@example.test", "Reset your password")

    async with asyncio.timeout(5):
        message = await waiting
    assert message.subject == "Reset your password"
    assert message.to == ["dave@example.test"]


async def test_wait_for_returns_the_oldest_match_already_there_at_once(send_mail, inbox):
    await send_mail("erin@example.test", "First")
    await send_mail("erin@example.test", "Second")

    async with asyncio.timeout(1):
        first = await inbox.wait_for("erin@example.test", timeout=10)
        second = await inbox.wait_for("erin@example.test", since_id=first.id, timeout=10)

    assert (first.subject, second.subject) == ("First", "Second")


async def test_wait_for_times_out(send_mail, inbox, http):
    await send_mail("frank@example.test", "For someone else")

    started = time.monotonic()
    with pytest.raises(MessageWaitTimeoutError) as raised:
        await inbox.wait_for("nobody@example.test", timeout=0.3)
    elapsed = time.monotonic() - started

    assert isinstance(raised.value, TimeoutError)
    assert 0.3 <= elapsed < 3
    response = await http.get("/api/messages/wait", params={"to": "x@y.test", "timeout": 0.1})
    assert response.status_code == 404
    assert "0.1 s" in problem_of(response)["detail"]


async def test_stopping_the_server_releases_a_long_poll(devmail: DevmailServer, inbox):
    waiting = asyncio.create_task(inbox.wait_for("nobody@example.test", timeout=30))
    await until_a_request_waits(devmail)

    started = time.monotonic()
    await devmail.stop()

    assert time.monotonic() - started < 5
    with pytest.raises(DevmailError) as raised:
        await waiting
    assert raised.value.status == 503


async def test_stopping_the_server_drops_open_smtp_sessions(devmail: DevmailServer):
    client = await asyncio.to_thread(smtplib.SMTP, *devmail.smtp_address, timeout=5)
    try:
        assert (await asyncio.to_thread(client.ehlo))[0] == 250

        await devmail.stop()

        with pytest.raises(smtplib.SMTPServerDisconnected):
            await asyncio.to_thread(client.noop)
    finally:
        client.close()
