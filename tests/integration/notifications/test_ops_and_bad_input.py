"""Bad input is contained (dead letters), types it does not handle are skipped and
counted, the ops API, the rate limit, SMTP down then up."""

from __future__ import annotations

import secrets
import socket
import uuid

import pytest

from frontdesk_contracts import GROUP_NOTIFICATIONS, dead_letter_topic, new_event
from frontdesk_devmail.server import DevmailConfig, DevmailServer
from frontdesk_testing import InboxClient, unique_address

from .conftest import admin_created
from .helpers import identity_topic, wait_message

pytestmark = pytest.mark.integration


async def test_malformed_and_unknown_events_are_dead_lettered_and_the_next_is_sent(
    service, inbox, read_topic
):
    topic = identity_topic(service.settings.topic_prefix)
    unknown = b'{"type": "SomethingNew", "schema_version": 1, "id": "x"}'
    for value in (b"not json at all", unknown):
        await (await service.producer.send(topic, value=value, key=b"acc-bad"))
    email = unique_address("after-bad")
    await service.publish(admin_created(service, email, secrets.token_urlsafe(16)))

    await inbox.wait_for(email, timeout=30)
    dlq = service.settings.topic_prefix + dead_letter_topic(GROUP_NOTIFICATIONS)
    letters = await read_topic(dlq, expected=2)
    reasons = [dict(letter.headers)["dlq_reason"].decode() for letter in letters]
    assert len(letters) == 2
    assert "not JSON" in reasons[0]
    assert "SomethingNew" in reasons[1]
    assert [letter.value for letter in letters] == [b"not json at all", unknown]


async def test_an_event_of_a_type_it_does_not_handle_is_skipped_and_counted(
    service, inbox, read_topic
):
    from frontdesk_contracts import EmailSent, to_record

    stray = new_event(
        EmailSent(
            message_id="m-1",
            account_id="acc-1",
            recipient="a@example.test",
            kind="create_login",
            cause_event_id=uuid.uuid4(),
            cause_event_type="AccountCreatedByAdmin",
            attempts=1,
        )
    )
    record = to_record(stray)
    topic = identity_topic(service.settings.topic_prefix)
    await (
        await service.producer.send(
            topic, value=record.value, key=record.key, headers=record.headers
        )
    )
    email = unique_address("after-stray")  # the same key, so handled after the stray event
    marker = admin_created(service, email, secrets.token_urlsafe(16), account_id="acc-1")
    await service.publish(marker)
    await inbox.wait_for(email, timeout=30)

    metrics = (await service.http.get("/metrics")).text
    assert 'frontdesk_events_skipped_total{type="EmailSent"} 1.0' in metrics
    dlq = service.settings.topic_prefix + dead_letter_topic(GROUP_NOTIFICATIONS)
    assert await read_topic(dlq, expected=0, timeout=2) == []
    answer = await service.http.get("/messages", params={"event_id": str(stray.id)})
    assert answer.json()["messages"] == []


async def test_ops_api_finds_messages_by_recipient_account_and_event(service, inbox):
    email = unique_address("ops")
    event = admin_created(service, email, secrets.token_urlsafe(16))
    await service.publish(event)
    delivered = await inbox.wait_for(email, timeout=30)
    sent = await wait_message(service, event.id, lambda m: m["status"] == "sent")
    assert delivered.message_id == f"<{sent['id']}@frontdesk.test>"  # stable: the log's id

    by_recipient = await service.http.get("/messages", params={"recipient": email.upper()})
    by_account = await service.http.get(
        "/messages", params={"account_id": event.payload.account_id}
    )
    one = await service.http.get(f"/messages/{sent['id']}")

    assert [m["id"] for m in by_recipient.json()["messages"]] == [sent["id"]]
    assert [m["id"] for m in by_account.json()["messages"]] == [sent["id"]]
    assert one.json()["kind"] == "create_login" and one.json()["attempts"] == 1
    assert one.json()["event_type"] == "AccountCreatedByAdmin"
    assert "token" not in one.text and "sealed" not in one.text


async def test_ops_api_answers_problems(service):
    no_filter = await service.http.get("/messages")
    missing = await service.http.get(f"/messages/{uuid.uuid4()}")
    malformed = await service.http.get("/messages/not-a-uuid")

    for answer, status in ((no_filter, 400), (missing, 404), (malformed, 422)):
        assert answer.status_code == status
        assert answer.headers["content-type"] == "application/problem+json"
        assert {"type", "title", "status", "detail"} <= set(answer.json())
    assert (await service.http.get("/healthz")).json() == {"status": "alive"}
    ready = await service.http.get("/readyz")
    assert ready.status_code == 200, ready.text


async def test_the_per_recipient_rate_limit_holds_the_surplus(start_service, inbox):
    async with start_service(rate_limit_per_recipient=2) as service:
        email = unique_address("limited")
        account = f"acc-{uuid.uuid4().hex[:8]}"
        events = []
        for _ in range(3):
            from frontdesk_contracts import PasswordChanged

            event = new_event(PasswordChanged(account_id=account, email=email, via="settings"))
            events.append(event)
            await service.publish(event)
            await wait_message(service, event.id, lambda m: m["status"] != "queued")

        final = [await wait_message(service, e.id, lambda m: True) for e in events]
        assert [(m["status"], m["status_reason"]) for m in final] == [
            ("sent", None),
            ("sent", None),
            ("cancelled", "rate_limited"),
        ]
        assert len(await inbox.messages(email)) == 2


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_smtp_server_down_then_up_delivers_after_a_retry(start_service, tmp_path):
    port = _free_port()  # nothing listens there yet: connections are refused
    async with start_service(smtp_port=port, retry_max_attempts=20) as service:
        email = unique_address("down-up")
        event = admin_created(service, email, secrets.token_urlsafe(16))
        await service.publish(event)
        await wait_message(service, event.id, lambda m: m["attempts"] >= 1)

        config = DevmailConfig(data_dir=tmp_path, smtp_port=port, http_port=0)
        async with DevmailServer(config) as devmail, InboxClient(devmail.base_url) as inbox:
            message = await inbox.wait_for(email, timeout=30)
            sent = await wait_message(service, event.id, lambda m: m["status"] == "sent")

    assert message.subject.startswith("Create your login")
    assert sent["attempts"] >= 2


async def test_smtp_auth_is_used_when_configured(start_service, tmp_path):
    config = DevmailConfig(data_dir=tmp_path, smtp_port=0, http_port=0, auth_optional=True)
    async with DevmailServer(config) as devmail, InboxClient(devmail.base_url) as inbox:
        host, port = devmail.smtp_address
        async with start_service(
            smtp_host=host, smtp_port=port, smtp_username="frontdesk", smtp_password="pw"
        ) as service:
            email = unique_address("auth")
            await service.publish(admin_created(service, email, secrets.token_urlsafe(16)))
            message = await inbox.wait_for(email, timeout=30)
    assert message.subject.startswith("Create your login")
