"""`make chaos`'s enumeration check at a small size against the running stack: forgot
password, signup and login answer known and unknown alike while the known side's
emails really go out (no quota spent: every request is its own person).

The timings are printed (`pytest -s` shows them), never asserted: this machine is
shared, and the chaos run is where the medians are judged.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from frontdesk_devstack.bench.stackio import Stack
from frontdesk_devstack.chaos.enumeration import PairResult, measure, render

pytestmark = pytest.mark.integration

SAMPLES = 10  # answers a side
# What the known sides must cause: a reset link a known login; a code to a new or an
# imported address and a "someone tried" notice to a login's address; no email on login.
EMAILS_PER_SAMPLE = {"forgot password": 1, "signup": 3, "login": 0}


@pytest.fixture(scope="module")
async def results(stack: Any) -> dict[str, PairResult]:
    """One small measurement of every pair (the `stack` fixture makes sure it is up)."""
    found = await measure(Stack.load(), uuid.uuid4().hex[:10], samples=SAMPLES, concurrency=8)
    print("\n" + render(found))
    return {r.name: r for r in found}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("pair", list(EMAILS_PER_SAMPLE))
def test_known_and_unknown_get_the_same_answer(results: dict[str, PairResult], pair: str) -> None:
    result = results[pair]
    assert [s.count for s in result.sides] == [SAMPLES] * len(result.sides)
    assert result.statuses_equal
    assert result.bodies_equal


@pytest.mark.timeout(300)
@pytest.mark.parametrize("pair", list(EMAILS_PER_SAMPLE))
def test_the_known_side_s_emails_really_went_out(results: dict[str, PairResult], pair: str) -> None:
    result = results[pair]
    assert result.emails_expected == SAMPLES * EMAILS_PER_SAMPLE[pair]
    assert result.emails_arrived == result.emails_expected
