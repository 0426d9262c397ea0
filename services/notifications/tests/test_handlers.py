"""The use cases with fake adapters: queue once, send, retry, give up, suppress, hold."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from frontdesk_contracts import (
    FirstLogin,
    PasswordResetRequested,
    generate_key_pair,
    new_event,
    seal,
)
from frontdesk_notifications.domain.delivery import QueuedMessage, Refused, Status, TransientFailure
from frontdesk_notifications.service_layer.deps import Deps
from frontdesk_notifications.service_layer.queueing import queue_email
from frontdesk_notifications.service_layer.sending import ClaimLost, deliver
from frontdesk_testing.notifications.fakes import (
    FakeMailer,
    claimed,
    fake_deps,
    queued,
    store_of,
)

KEYS = generate_key_pair("unit-1")


async def deliver_claimed(deps: Deps, message: QueuedMessage) -> Status | None:
    """Claim `message` (as the sender loop would) and deliver it."""
    return await deliver(deps, claimed(deps, message), 60.0)


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
    assert len(store_of(deps).rows) == 1 and woken == [True]


async def test_an_event_without_an_email_queues_nothing():
    deps = fake_deps(KEYS)
    assert await queue_email(deps, new_event(FirstLogin(account_id="acc-1"))) is False
    assert store_of(deps).rows == {}


async def test_a_superseding_event_marks_the_older_message():
    deps = fake_deps(KEYS)
    first = reset_event()
    second = reset_event(supersedes=first.id)
    await queue_email(deps, first)
    await queue_email(deps, second)
    superseded = [r for r in store_of(deps).rows.values() if r.superseded_by == second.id]
    assert len(superseded) == 1


async def test_an_accepted_message_is_sent_and_told():
    deps = fake_deps(KEYS)
    message = queued(sealed_token("tok-123"))

    assert await deliver_claimed(deps, message) is Status.SENT

    [email] = deps.mailer.sent
    assert "tok-123" in email.get_body(("plain",)).get_content()
    assert email["Message-ID"] == f"<{message.id}@frontdesk.test>"
    [event] = store_of(deps).published
    assert event.type == "EmailSent" and event.payload.attempts == 1
    assert event.causation_id == str(message.event_id) and event.correlation_id == "corr-1"


async def test_a_transient_failure_is_retried_later_then_given_up():
    deps = fake_deps(KEYS, mailer=FakeMailer(TransientFailure("451 busy")))
    assert await deliver_claimed(deps, queued(sealed_token())) is None
    [row] = store_of(deps).rows.values()
    assert row.status == "queued" and row.next_attempt_at > datetime.now(UTC)
    assert row.claim_token is None  # handed back: due again at its retry time
    assert await deliver_claimed(deps, queued(sealed_token(), attempts=2)) is Status.FAILED
    [row] = store_of(deps).rows.values()
    assert (row.status, row.status_reason) == ("failed", "retries_exhausted")

    told = [(e.type, e.payload.permanent, e.payload.attempts) for e in store_of(deps).published]
    assert told == [("EmailFailed", False, 1), ("EmailFailed", True, 3)]


async def test_a_refused_address_fails_for_good_and_is_suppressed():
    deps = fake_deps(KEYS, mailer=FakeMailer(Refused("550 no such mailbox")))

    assert await deliver_claimed(deps, queued(sealed_token())) is Status.FAILED

    assert list(store_of(deps).suppressions) == ["ada@example.test"]
    [event] = store_of(deps).published
    assert event.type == "EmailFailed" and event.payload.permanent is True


async def test_a_5xx_after_the_data_fails_without_suppressing():
    deps = fake_deps(KEYS, mailer=FakeMailer(Refused("554 content refused", address_refused=False)))
    assert await deliver_claimed(deps, queued(sealed_token())) is Status.FAILED
    assert list(store_of(deps).suppressions) == []


async def test_a_suppressed_address_gets_nothing():
    deps = fake_deps(KEYS)
    store_of(deps).suppress("Ada@Example.test")

    assert await deliver_claimed(deps, queued(sealed_token())) is Status.SUPPRESSED

    assert deps.mailer.sent == []
    [event] = store_of(deps).published
    assert (event.type, event.payload.reason, event.payload.permanent) == (
        "EmailSuppressed",
        "bounced",
        True,
    )


async def test_expired_superseded_and_rate_limited_messages_are_cancelled():
    message = queued(sealed_token())
    newer_link = [queued({}, id=UUID(int=9), event_id=UUID(int=9), event_time=datetime.now(UTC))]
    sent_in_window = [  # five notices of another kind already went to the address
        queued({}, id=UUID(int=n), event_id=UUID(int=n), kind="password_changed")
        for n in range(10, 15)
    ]
    cases = [
        ([], {"expires_at": datetime.now(UTC) - timedelta(seconds=1)}, "expired"),
        ([], {"superseded_by": UUID(int=5)}, "superseded"),
        (newer_link, {}, "superseded"),
        (sent_in_window, {}, "rate_limited"),
    ]
    for in_the_log, message_facts, reason in cases:
        deps = fake_deps(KEYS)
        for other in in_the_log:
            if other.kind == "password_changed":
                store_of(deps).put(other, status="sent", sent_at=datetime.now(UTC))
            else:
                store_of(deps).put(other)
        held = replace(message, **message_facts)
        assert await deliver_claimed(deps, held) is Status.CANCELLED
        assert deps.mailer.sent == []
        [event] = store_of(deps).published
        assert (event.type, event.payload.reason) == ("EmailSuppressed", reason)


async def test_a_token_that_does_not_open_fails_the_message_not_the_sender():
    stranger = generate_key_pair("other")
    deps = fake_deps(KEYS)
    sealed = {"token": seal("t", stranger.public_key, "unit-1").model_dump()}

    assert await deliver_claimed(deps, queued(sealed)) is Status.FAILED

    [event] = store_of(deps).published
    assert event.type == "EmailFailed" and "does not open" in event.payload.reason


async def test_a_template_error_fails_the_message():
    deps = fake_deps(KEYS)
    message = queued(sealed_token(), context={})  # the reset template needs requested_by

    assert await deliver_claimed(deps, message) is Status.FAILED

    [event] = store_of(deps).published
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

    superseded = [r for r in store_of(deps).rows.values() if r.superseded_by == again.id]
    assert len(superseded) == 1 and superseded[0].kind == "create_login"


async def test_a_message_another_claim_took_is_not_sent_by_the_old_holder():
    deps = fake_deps(KEYS)
    mine = claimed(deps, queued(sealed_token()))
    store_of(deps).rows[mine.id].claim_token = UUID(int=77)  # the lease lapsed; taken

    with pytest.raises(ClaimLost):
        await deliver(deps, mine, 60.0)

    assert deps.mailer.sent == [] and store_of(deps).published == []
    assert store_of(deps).rows[mine.id].claim_token == UUID(int=77)


async def test_an_outcome_is_not_recorded_once_another_claim_holds_the_message():
    class TakenDuringTheSend(FakeMailer):
        async def send(self, email, sender, recipient):  # type: ignore[no-untyped-def]
            store_of(deps).rows[mine.id].claim_token = UUID(int=78)  # lease lapsed meanwhile
            return await super().send(email, sender, recipient)

    deps = fake_deps(KEYS, mailer=TakenDuringTheSend())
    mine = claimed(deps, queued(sealed_token()))

    with pytest.raises(ClaimLost):
        await deliver(deps, mine, 60.0)

    row = store_of(deps).rows[mine.id]
    assert len(deps.mailer.sent) == 1  # it was in the send window: the one allowed repeat
    assert (row.status, row.attempts, row.claim_token) == ("queued", 0, UUID(int=78))
    assert store_of(deps).published == []  # the new holder tells what became of it
