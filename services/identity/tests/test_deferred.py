"""Forgot-password and signup are kept, answered, and only then carried out: the work
never runs before the answer, a request left by a crash is done by a later round, and
nothing is done twice."""

from __future__ import annotations

from typing import Any

import pytest

from frontdesk_identity.bootstrap import DEFERRED
from frontdesk_identity.domain.commands import (
    CreateClient,
    CreateLogin,
    RequestPasswordReset,
    SignUp,
)
from frontdesk_identity.service_layer import admin, deferred, links, signup
from frontdesk_identity.service_layer.deferred import OVERDUE_SECONDS, Deferred
from frontdesk_kit.gateway import AdminAssertion
from frontdesk_testing import FakeClock

ADMIN = AdminAssertion("admin-1", frozenset({"s1"}), {"s1": "Studio One"})
PASSWORD = "correct horse battery"
LIN = SignUp("lin@example.com", "lin", PASSWORD, "Lin", None, "1.2.3.4")


@pytest.fixture
def clock(deps: Any) -> FakeClock:
    deps.clock = FakeClock()
    return deps.clock


def published(deps: Any, event_type: str) -> list[Any]:
    return [e for e in deps.db.state.published if e.type == event_type]


async def ada_with_login(deps: Any, ring: Any) -> None:
    await admin.create_client(deps, ADMIN, CreateClient("s1", "ada@example.com", "Ada", None, None))
    token = ring.open(published(deps, "AccountCreatedByAdmin")[-1].payload.create_login_token)
    await links.create_login(deps, CreateLogin(token.reveal(), "ada", PASSWORD))


class NotStarted:
    """A `BackgroundWork` whose work never starts: the process died after answering."""

    running = 0

    async def start(self, work: Any) -> None:
        return None


async def test_signup_is_answered_before_its_work_starts_then_carried_out_once(deps):
    await signup.sign_up(deps, LIN)

    # Answered: the request is kept, its work started but not yet run.
    assert len(deps.db.state.deferred) == 1
    assert deps.uniform_work.running == 1
    assert deps.db.state.accounts == {} and deps.db.types() == []
    await deps.uniform_work.drain()
    assert deps.db.types() == ["EmailVerificationRequested"]
    assert deps.db.state.deferred == {}  # done, and forgotten in the same transaction


async def test_a_signup_is_kept_with_its_password_hashed_never_in_clear(deps):
    deps.uniform_work = NotStarted()
    await signup.sign_up(deps, LIN)

    [(kind, fields, _)] = deps.db.state.deferred.values()
    assert kind == "signup"
    assert PASSWORD not in str(fields)
    assert await deps.hasher.verify(fields["password_hash"], PASSWORD)


async def test_requests_left_by_a_crash_are_carried_out_by_a_later_round(deps, ring, clock):
    await ada_with_login(deps, ring)
    deps.uniform_work = NotStarted()
    await links.request_password_reset(deps, RequestPasswordReset("ada", "1.2.3.4"))
    await signup.sign_up(deps, LIN)

    # Still young: its own process may yet do it.
    assert await deferred.carry_out_overdue(deps, DEFERRED) == 0
    clock.advance(seconds=OVERDUE_SECONDS + 1)
    assert await deferred.carry_out_overdue(deps, DEFERRED) == 2
    assert len(published(deps, "PasswordResetRequested")) == 1
    assert len(published(deps, "EmailVerificationRequested")) == 1
    assert await deferred.carry_out_overdue(deps, DEFERRED) == 0  # nothing done twice
    assert len(published(deps, "PasswordResetRequested")) == 1


async def test_a_request_carried_out_already_is_not_done_again(deps, ring):
    await ada_with_login(deps, ring)
    deps.uniform_work = NotStarted()
    await links.request_password_reset(deps, RequestPasswordReset("ada", "1.2.3.4"))
    [request_id] = deps.db.state.deferred

    await deferred.carry_out(deps, DEFERRED, request_id)
    await deferred.carry_out(deps, DEFERRED, request_id)  # a late round, the same id
    assert len(published(deps, "PasswordResetRequested")) == 1


def failing(error: Exception) -> Deferred[RequestPasswordReset]:
    async def work(deps: Any, uow: Any, request: RequestPasswordReset) -> None:
        await uow.publish(published(deps, "LoginCreated")[-1])  # an effect, then the failure
        raise error

    return Deferred("password_reset", RequestPasswordReset, work)


async def keep_one(deps: Any) -> Any:
    deps.uniform_work = NotStarted()
    await links.request_password_reset(deps, RequestPasswordReset("ada", "1.2.3.4"))
    [request_id] = deps.db.state.deferred
    return request_id


async def test_work_that_fails_is_given_up_with_its_effects_rolled_back(deps, ring):
    await ada_with_login(deps, ring)
    request_id = await keep_one(deps)
    before = deps.db.types()

    with pytest.raises(ValueError):
        await deferred.carry_out(deps, [failing(ValueError("a bug"))], request_id)
    assert deps.db.types() == before
    assert deps.db.state.deferred == {}  # it would fail again: not retried every round


async def test_work_cut_short_by_an_outage_stays_kept_for_a_later_round(deps, ring):
    await ada_with_login(deps, ring)
    request_id = await keep_one(deps)
    before = deps.db.types()

    with pytest.raises(ConnectionRefusedError):
        await deferred.carry_out(deps, [failing(ConnectionRefusedError())], request_id)
    assert deps.db.types() == before
    assert list(deps.db.state.deferred) == [request_id]
    await deferred.carry_out(deps, DEFERRED, request_id)
    assert len(published(deps, "PasswordResetRequested")) == 1
