"""The use cases with fake adapters: queue once, send, retry, give up, suppress, hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from frontdesk_contracts import (
    FirstLogin,
    PasswordResetRequested,
    generate_key_pair,
    new_event,
    seal,
)
from frontdesk_notifications.domain.delivery import Refused, Status, TransientFailure
from frontdesk_notifications.handlers import deliver, queue_email

from .fakes import FakeSmtp, fake_deps, queued

KEYS = generate_key_pair("unit-1")


def sealed_token(token: str = "tok-123") -> dict[str, object]:  # noqa: S107 - test token
    return {"token": seal(token, KEYS.public_key, KEYS.key_id).model_dump()}


def reset_event(**overrides: object):  # type: ignore[no-untyped-def]
    values = {
        "account_id": "acc-1",
        "email": "ada@example.test",
        "requested_by": "self",
        "reset_token": seal("tok", KEYS.public_key, KEYS.key_id),
        "expires_at": datetime.now(UTC) + timedelta(hours=1),
        **overrides,
    }
    return new_event(PasswordResetRequested(**values))


async def test_an_event_queues_one_message_and_a_replay_none():
    deps = fake_deps(KEYS)
    woken: list[bool] = []
    deps.wake_sender = lambda: woken.append(True)
    event = reset_event()

    assert await queue_email(deps, event) is True
    assert await queue_email(deps, event) is False
    assert len(deps.messages.rows) == 1 and woken == [True]


async def test_an_event_without_an_email_queues_nothing():
    deps = fake_deps(KEYS)
    assert await queue_email(deps, new_event(FirstLogin(account_id="acc-1"))) is False
    assert deps.messages.rows == {}


async def test_a_superseding_event_marks_the_older_message():
    deps = fake_deps(KEYS)
    first = reset_event()
    second = reset_event(supersedes=first.id)
    await queue_email(deps, first)
    await queue_email(deps, second)
    superseded = [r for r in deps.messages.rows.values() if r["superseded_by"] == second.id]
    assert len(superseded) == 1


async def test_an_accepted_message_is_sent_and_told():
    deps = fake_deps(KEYS)
    message = queued(sealed_token("tok-123"))

    assert await deliver(deps, message) is Status.SENT

    [email] = deps.smtp.sent
    assert "tok-123" in email.get_body(("plain",)).get_content()
    assert email["Message-ID"] == f"<{message.id}@frontdesk.test>"
    [event] = deps.outbox.events
    assert event.type == "EmailSent" and event.payload.attempts == 1
    assert event.causation_id == str(message.event_id) and event.correlation_id == "corr-1"


async def test_a_transient_failure_is_retried_later_then_given_up():
    deps = fake_deps(KEYS, smtp=FakeSmtp(TransientFailure("451 busy")))

    assert await deliver(deps, queued(sealed_token())) is None
    row = next(iter(deps.messages.rows.values()))
    assert row["status"] == "queued" and row["retry_at"] > datetime.now(UTC)
    assert await deliver(deps, queued(sealed_token(), attempts=2)) is Status.FAILED

    told = [(e.type, e.payload.permanent, e.payload.attempts) for e in deps.outbox.events]
    assert told == [("EmailFailed", False, 1), ("EmailFailed", True, 3)]


async def test_a_refused_address_fails_for_good_and_is_suppressed():
    deps = fake_deps(KEYS, smtp=FakeSmtp(Refused("550 no such mailbox")))

    assert await deliver(deps, queued(sealed_token())) is Status.FAILED

    assert deps.suppressions.added == ["ada@example.test"]
    [event] = deps.outbox.events
    assert event.type == "EmailFailed" and event.payload.permanent is True


async def test_a_5xx_after_the_data_fails_without_suppressing():
    deps = fake_deps(KEYS, smtp=FakeSmtp(Refused("554 content refused", address_refused=False)))
    assert await deliver(deps, queued(sealed_token())) is Status.FAILED
    assert deps.suppressions.added == []


async def test_a_suppressed_address_gets_nothing():
    deps = fake_deps(KEYS)
    deps.messages.suppressed.add("ada@example.test")

    assert await deliver(deps, queued(sealed_token())) is Status.SUPPRESSED

    assert deps.smtp.sent == []
    [event] = deps.outbox.events
    assert (event.type, event.payload.reason, event.payload.permanent) == (
        "EmailSuppressed",
        "bounced",
        True,
    )


async def test_expired_superseded_and_rate_limited_messages_are_cancelled():
    cases = [
        ({}, {"expires_at": datetime.now(UTC) - timedelta(seconds=1)}, "expired"),
        ({}, {"superseded_by": UUID(int=5)}, "superseded"),
        ({"newer_link": True}, {}, "superseded"),
        ({"sent_in_window": 5}, {}, "rate_limited"),
    ]
    for log_facts, message_facts, reason in cases:
        deps = fake_deps(KEYS)
        for name, value in log_facts.items():
            setattr(deps.messages, name, value)
        assert await deliver(deps, queued(sealed_token(), **message_facts)) is Status.CANCELLED
        assert deps.smtp.sent == []
        [event] = deps.outbox.events
        assert (event.type, event.payload.reason) == ("EmailSuppressed", reason)


async def test_a_token_that_does_not_open_fails_the_message_not_the_sender():
    stranger = generate_key_pair("other")
    deps = fake_deps(KEYS)
    sealed = {"token": seal("t", stranger.public_key, "unit-1").model_dump()}

    assert await deliver(deps, queued(sealed)) is Status.FAILED

    [event] = deps.outbox.events
    assert event.type == "EmailFailed" and "does not open" in event.payload.reason


async def test_a_template_error_fails_the_message():
    deps = fake_deps(KEYS)
    message = queued(sealed_token(), context={})  # the reset template needs requested_by

    assert await deliver(deps, message) is Status.FAILED

    [event] = deps.outbox.events
    assert event.type == "EmailFailed" and "template 'password_reset'" in event.payload.reason
    assert "tok-123" not in event.payload.reason


async def test_a_create_login_link_asked_again_marks_the_older_welcome_message():
    from frontdesk_contracts import CreateLoginLinkRequested, WelcomeEmailRequested

    deps = fake_deps(KEYS)
    facts = {
        "account_id": "acc-1",
        "studio_id": "studio-1",
        "email": "ada@example.test",
        "given_name": "Ada",
        "create_login_token": seal("tok", KEYS.public_key, KEYS.key_id),
        "expires_at": datetime.now(UTC) + timedelta(days=7),
    }
    welcome = new_event(WelcomeEmailRequested(**facts, studio_name="Pilates", admin_id="admin-1"))
    again = new_event(CreateLoginLinkRequested(**facts, supersedes=welcome.id))

    assert await queue_email(deps, welcome) is True
    assert await queue_email(deps, again) is True

    superseded = [r for r in deps.messages.rows.values() if r["superseded_by"] == again.id]
    assert len(superseded) == 1 and superseded[0]["request"].kind == "create_login"
