"""The repository contract: what notifications' unit of work must do, as tests.

`test_repositories.py` runs it on the fakes the use-case tests rely on, and
tests/integration/notifications/test_repositories.py on PostgreSQL, so the fakes behave
like the database. A subclass named ``Test...`` gives it a `units` fixture and says how
to read what was published (`published_types`).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from frontdesk_contracts import Envelope, PasswordChanged, generate_key_pair, new_event, seal
from frontdesk_notifications.domain.delivery import (
    Accepted,
    BackoffSchedule,
    QueuedMessage,
    Refused,
    TransientFailure,
)
from frontdesk_notifications.domain.requests import EmailRequest
from frontdesk_notifications.domain.settling import settle
from frontdesk_notifications.service_layer.unit_of_work import UnitOfWork, UnitsOfWork

KEYS = generate_key_pair("contract-1")
NOW = datetime.now(UTC)
BACKOFF = BackoffSchedule(max_attempts=3, first_delay=60, max_delay=120)


def a_request(recipient: str = "ada@example.test", **changes: Any) -> EmailRequest:
    """A password-reset email for acc-1, its token sealed."""
    values: dict[str, Any] = {
        "kind": "password_reset",
        "template": "password_reset",
        "recipient": recipient,
        "account_id": "acc-1",
        "studio_id": "studio-1",
        "context": {"requested_by": "self", "expires_at": (NOW + timedelta(hours=1)).isoformat()},
        "secrets": {"token": seal("tok-1", KEYS.public_key, KEYS.key_id)},
        "expires_at": NOW + timedelta(hours=1),
        **changes,
    }
    return EmailRequest(**values)


def a_cause(account_id: str = "acc-1") -> Envelope[Any]:
    """An event that asks for an email."""
    return new_event(PasswordChanged(account_id=account_id, email="a@example.test", via="settings"))


async def queue(units: UnitsOfWork, request: EmailRequest | None = None) -> tuple[UUID, UUID]:
    """Queue one message; its id and its event's id."""
    message_id, cause = uuid4(), a_cause()
    async with units.transaction() as uow:
        await uow.messages.add(message_id, request or a_request(), cause)
    return message_id, cause.id


async def claim(units: UnitsOfWork, limit: int = 10, lease: float = 60.0) -> list[QueuedMessage]:
    async with units.transaction() as uow:
        return await uow.messages.claim_due(limit, lease)


def token_of(messages: list[QueuedMessage]) -> UUID:
    """The one claim token `messages` were claimed under."""
    tokens = {m.claim_token for m in messages}
    assert len(tokens) == 1 and None not in tokens, tokens
    token = tokens.pop()
    assert token is not None
    return token


class RepositoryContract:
    """Every behaviour of the message log, suppressions, resends and the unit of work."""

    async def published_types(self, units: Any) -> list[str]:
        """The types of the events `units` published, in order (each implementation's)."""
        raise NotImplementedError

    async def test_a_replayed_request_adds_no_second_message(self, units: UnitsOfWork) -> None:
        cause = a_cause()
        async with units.transaction() as uow:
            await uow.messages.add(uuid4(), a_request(), cause)
            await uow.messages.add(uuid4(), a_request(), cause)  # the same (event, kind)
        async with units.transaction() as uow:
            [found] = await uow.messages.find(
                recipient=None, account_id=None, event_id=cause.id, limit=10
            )
            assert await uow.messages.get(found.id) == found
        assert (found.status, found.attempts, found.kind) == ("queued", 0, "password_reset")
        assert (found.event_type, found.recipient) == ("PasswordChanged", "ada@example.test")

    async def test_a_claimed_message_is_what_was_queued_tokens_still_sealed(
        self, units: UnitsOfWork
    ) -> None:
        request = a_request()
        message_id, event_id = await queue(units, request)
        [message] = await claim(units)
        assert (message.id, message.event_id, message.attempts) == (message_id, event_id, 0)
        assert message.context == request.context and message.superseded_by is None
        assert message.sealed_secrets == {"token": request.secrets["token"].model_dump()}
        assert "tok-1" not in repr(message.sealed_secrets)

    async def test_claims_are_exclusive_and_come_back_after_their_lease(
        self, units: UnitsOfWork
    ) -> None:
        queued = {(await queue(units))[0] for _ in range(3)}
        first, second = await claim(units, 2, 0.5), await claim(units, 2, 0.5)
        assert len(first) == 2 and len(second) == 1
        assert {m.id for m in first + second} == queued
        assert await claim(units) == []  # every message is claimed: nobody sends it twice
        await asyncio.sleep(0.7)  # the claimer "crashed" without recording an outcome
        assert {m.id for m in await claim(units)} == queued

    async def test_a_renewed_claim_outlasts_its_lease_an_unrenewed_one_comes_back(
        self, units: UnitsOfWork
    ) -> None:
        kept_id, _ = await queue(units)
        await queue(units)
        claimed = await claim(units, 10, 0.5)
        token = token_of(claimed)
        for _ in range(4):  # a live holder renews well within the lease, past its end
            await asyncio.sleep(0.25)
            async with units.transaction() as uow:
                assert await uow.messages.renew(token, [kept_id], 0.5) == {kept_id}
        # the other message's lease lapsed: it is claimed again, the renewed one is not
        [taken] = await claim(units, 10, 60.0)
        assert taken.id != kept_id and taken.claim_token != token

    async def test_a_lost_claim_can_be_neither_renewed_settled_nor_released(
        self, units: UnitsOfWork
    ) -> None:
        await queue(units)
        [old] = await claim(units, 10, 0.2)
        await asyncio.sleep(0.3)  # the holder stopped renewing; another claims it anew
        [new] = await claim(units, 10, 60.0)
        assert new.id == old.id and new.claim_token != old.claim_token
        assert old.claim_token is not None
        async with units.transaction() as uow:
            assert await uow.messages.renew(old.claim_token, [old.id], 60.0) == set()
            assert not await uow.messages.settle(old, settle(old, Accepted(), BACKOFF, NOW))
            await uow.messages.release(old.claim_token, [old.id])
            record = await uow.messages.get(old.id)
        assert record is not None and (record.status, record.attempts) == ("queued", 0)
        assert await claim(units) == []  # still the new holder's
        async with units.transaction() as uow:
            assert await uow.messages.settle(new, settle(new, Accepted(), BACKOFF, NOW))
            assert await uow.messages.renew(token_of([new]), [new.id], 60.0) == set()

    async def test_a_lapsed_lease_nobody_claimed_is_still_the_holders(
        self, units: UnitsOfWork
    ) -> None:
        message_id, _ = await queue(units)
        [message] = await claim(units, 10, 0.2)
        await asyncio.sleep(0.3)  # e.g. the database was down for longer than the lease
        async with units.transaction() as uow:
            assert await uow.messages.renew(token_of([message]), [message_id], 60.0) == {message_id}
        assert await claim(units) == []

    async def test_released_claims_are_due_again_at_once(self, units: UnitsOfWork) -> None:
        for _ in range(3):
            await queue(units)
        claimed = await claim(units)
        async with units.transaction() as uow:
            await uow.messages.release(token_of(claimed), [m.id for m in claimed[1:]])
        assert {m.id for m in await claim(units)} == {m.id for m in claimed[1:]}

    async def test_a_sent_message_is_final_and_its_tokens_erased(self, units: UnitsOfWork) -> None:
        await queue(units)
        [message] = await claim(units)
        async with units.transaction() as uow:
            await uow.messages.settle(message, settle(message, Accepted(), BACKOFF, NOW))
            record = await uow.messages.get(message.id)
            original = await uow.resends.lock_original(message.id)
        assert record is not None and original is not None
        assert (record.status, record.attempts, record.last_error) == ("sent", 1, None)
        assert record.sent_at is not None and not original.has_secrets
        assert await claim(units) == []

    async def test_a_retry_waits_for_its_time_and_keeps_the_error(self, units: UnitsOfWork) -> None:
        await queue(units)
        [message] = await claim(units)
        retry = settle(message, TransientFailure("451 busy"), BACKOFF, datetime.now(UTC))
        async with units.transaction() as uow:
            await uow.messages.settle(message, retry)
            record = await uow.messages.get(message.id)
            original = await uow.resends.lock_original(message.id)
        assert record is not None and original is not None and retry.retry_at is not None
        assert (record.status, record.attempts, record.last_error) == ("queued", 1, "451 busy")
        assert abs((record.next_attempt_at - retry.retry_at).total_seconds()) < 0.001
        assert original.has_secrets  # still needed for the next attempt
        assert await claim(units) == []  # not due yet, although its claim was cleared

    async def test_a_failed_message_keeps_why_and_loses_its_tokens(
        self, units: UnitsOfWork
    ) -> None:
        await queue(units)
        [message] = await claim(units)
        failed = settle(message, Refused("550 no such mailbox"), BACKOFF, NOW)
        async with units.transaction() as uow:
            await uow.messages.settle(message, failed)
            record = await uow.messages.get(message.id)
            original = await uow.resends.lock_original(message.id)
        assert record is not None and original is not None
        assert (record.status, record.status_reason) == ("failed", "refused")
        assert record.last_error == "550 no such mailbox" and not original.has_secrets

    async def test_what_the_sender_knows_of_a_recipient(self, units: UnitsOfWork) -> None:
        await queue(units, a_request("Ada@Example.test", kind="password_changed"))
        [sent] = await claim(units)
        async with units.transaction() as uow:
            await uow.messages.settle(sent, settle(sent, Accepted(), BACKOFF, NOW))
        await queue(units, a_request("ada@example.test"))
        await queue(units, a_request("ada@example.test", kind="email_verification"))
        older = next(m for m in await claim(units) if m.kind == "password_reset")
        await queue(units)  # a newer password reset of the same account
        async with units.transaction() as uow:
            before = await uow.messages.recipient_history(older, 3600, newer_link_matters=True)
            unasked = await uow.messages.recipient_history(older, 3600, newer_link_matters=False)
            await uow.suppressions.add("ADA@example.test", "bounced", "550", sent.id)
            after = await uow.messages.recipient_history(older, 3600, newer_link_matters=True)
        assert (before.suppressed, before.sent_in_window, before.newer_link) == (False, 1, True)
        assert unasked.newer_link is False
        assert after.suppressed is True

    async def test_superseding_marks_only_the_old_events_unsent_messages(
        self, units: UnitsOfWork
    ) -> None:
        cause, newer = a_cause(), uuid4()
        async with units.transaction() as uow:
            for kind in ("password_reset", "password_changed"):
                await uow.messages.add(uuid4(), a_request(kind=kind), cause)
            await uow.messages.add(uuid4(), a_request(kind="email_verification"), a_cause())
        claimed = {m.kind: m for m in await claim(units)}
        done = claimed["password_changed"]
        async with units.transaction() as uow:
            await uow.messages.settle(done, settle(done, Accepted(), BACKOFF, NOW))
            for kind in ("password_reset", "email_verification"):
                await uow.messages.release(token_of([claimed[kind]]), [claimed[kind].id])
            await uow.messages.supersede(cause.id, newer)
        superseded = {m.kind: m.superseded_by for m in await claim(units)}
        assert superseded == {"password_reset": newer, "email_verification": None}

    async def test_messages_are_found_by_recipient_account_or_event_newest_first(
        self, units: UnitsOfWork
    ) -> None:
        first, _ = await queue(units, a_request("Bo@Example.test"))
        second, event_id = await queue(units, a_request("bo@example.test", account_id="acc-2"))
        async with units.transaction() as uow:
            by_recipient = await uow.messages.find(
                recipient="BO@example.test", account_id=None, event_id=None, limit=10
            )
            limited = await uow.messages.find(
                recipient="bo@example.test", account_id=None, event_id=None, limit=1
            )
            by_account = await uow.messages.find(
                recipient=None, account_id="acc-2", event_id=None, limit=10
            )
            by_both = await uow.messages.find(
                recipient="bo@example.test", account_id="acc-1", event_id=event_id, limit=10
            )
            unknown = await uow.messages.get(uuid4())
        assert [m.id for m in by_recipient] == [second, first]
        assert [m.id for m in limited] == [second]
        assert [m.id for m in by_account] == [second]
        assert by_both == [] and unknown is None

    async def test_suppressions_are_by_lower_cased_address_and_can_be_lifted(
        self, units: UnitsOfWork
    ) -> None:
        message_id = uuid4()
        async with units.transaction() as uow:
            await uow.suppressions.add("Ann@Example.test", "bounced", "550 gone", message_id)
            await uow.suppressions.add("ann@example.test", "complained", None, uuid4())
        async with units.transaction() as uow:
            await uow.suppressions.add("cy@example.test", "bounced", None, uuid4())
        async with units.transaction() as uow:
            [ann] = await uow.suppressions.list("ANN@example.test", 10)
            everyone = await uow.suppressions.list(None, 10)
            assert await uow.suppressions.lift("ANN@EXAMPLE.TEST") is True
            assert await uow.suppressions.lift("ann@example.test") is False
            left = await uow.suppressions.list(None, 10)
        assert (ann.address, ann.reason, ann.detail, ann.message_id) == (
            "ann@example.test",
            "bounced",
            "550 gone",
            message_id,
        )
        assert [s.address for s in everyone] == ["cy@example.test", "ann@example.test"]
        assert [s.address for s in left] == ["cy@example.test"]

    async def test_a_resend_copies_the_message_as_a_new_queued_one(
        self, units: UnitsOfWork
    ) -> None:
        original_id, _ = await queue(units, a_request(expires_at=NOW - timedelta(seconds=1)))
        [message] = await claim(units)
        async with units.transaction() as uow:
            await uow.messages.settle(message, settle(message, Accepted(), BACKOFF, NOW))
        new_id, new_event = uuid4(), uuid4()
        async with units.transaction() as uow:
            assert await uow.resends.lock_original(uuid4()) is None
            original = await uow.resends.lock_original(original_id)
            await uow.resends.copy(original_id, new_id, new_event)
            await uow.resends.record(new_id, original_id, "ops-1", "lost it")
            copied = await uow.messages.get(new_id)
        assert original is not None and copied is not None
        assert (original.kind, original.status, original.recipient) == (
            "password_reset",
            "sent",
            "ada@example.test",
        )
        assert original.expired and not original.has_secrets
        assert (copied.status, copied.attempts, copied.event_id) == ("queued", 0, new_event)
        assert (copied.template, copied.recipient) == ("password_reset", "ada@example.test")

    async def test_events_are_published_only_when_the_unit_of_work_commits(
        self, units: UnitsOfWork
    ) -> None:
        with pytest.raises(RuntimeError):
            async with units.transaction() as uow:
                await uow.messages.add(uuid4(), a_request(), a_cause())
                await uow.publish(a_cause())
                raise RuntimeError("boom")
        assert await claim(units) == [] and await self.published_types(units) == []
        async with units.transaction() as uow:
            await uow.publish(a_cause())
        assert await self.published_types(units) == ["PasswordChanged"]

    async def test_an_event_is_handled_once_and_a_failed_effect_not_at_all(
        self, units: UnitsOfWork
    ) -> None:
        cause, runs = a_cause(), []

        async def effect(uow: UnitOfWork) -> None:
            runs.append(cause.id)
            await uow.messages.add(uuid4(), a_request(), cause)
            if len(runs) == 1:
                raise RuntimeError("the first try fails")

        with pytest.raises(RuntimeError):
            await units.once(cause.id, effect)
        assert await claim(units) == []
        assert await units.once(cause.id, effect) is True
        assert await units.once(cause.id, effect) is False
        assert len(runs) == 2 and len(await claim(units)) == 1
