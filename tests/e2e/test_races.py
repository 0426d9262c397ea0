"""Issue 15's races against the running stack: two requests that must not both take
effect, sent at once; exactly one winner each, and the quota holds under concurrency.

The races themselves live in `frontdesk_devstack.chaos.races` (`make chaos` runs them
too); each builds its own studio and addresses, so these tests can run again and again
on one stack.
"""

from __future__ import annotations

import uuid

import pytest

from frontdesk_devstack.bench.stackio import Stack
from frontdesk_devstack.chaos import races

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def running(stack) -> Stack:
    """The running stack (the session's `stack` fixture starts it if need be)."""
    return Stack.load()


@pytest.fixture
def tag() -> str:
    return f"e2e{uuid.uuid4().hex[:4]}"


def settled(result: races.RaceResult) -> races.RaceResult:
    print(f"\n{result.name}: {result.detail}")  # shown with -s: what each request answered
    assert result.winners == result.expected, result.detail
    assert result.problems == (), result.detail
    return result


async def test_a_create_login_link_submitted_twice_at_once_creates_one_login(running, tag):
    result = settled(await races.create_login_race(running, tag))
    # One submit made the login; the other was shown the used-link page, and only the
    # winner's username and password log in (the race checks each one).
    assert result.attempts == 2
    assert "answers 200, 410" in result.detail or "answers 410, 200" in result.detail
    assert "LoginCreated events: 1" in result.detail


async def test_a_reset_link_submitted_twice_at_once_sets_one_password(running, tag):
    result = settled(await races.reset_link_race(running, tag))
    assert "new passwords that work: 1" in result.detail
    assert "password-changed emails: 1" in result.detail


async def test_a_proposal_confirmed_from_two_sessions_at_once_merges_once(running, tag):
    result = settled(await races.merge_confirm_race(running, tag))
    # Confirming is idempotent: the later confirmation answers the same merge (200, the
    # same body), not an error; the record's history holds one merge, one email told.
    assert "answers 200, 200" in result.detail
    assert "accounts-merged emails: 1" in result.detail


async def test_ten_forgot_password_requests_at_once_keep_to_the_address_quota(running, tag):
    result = settled(await races.reset_quota_race(running, tag))
    assert result.expected == races.reset_email_quota()
    assert "bodies identical: True" in result.detail
    assert "links that work: 1" in result.detail
