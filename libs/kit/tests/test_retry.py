"""RetryPolicy.delay: exponential backoff, capped at max_delay, jittered in [0.5, 1] x ceiling."""

from __future__ import annotations

import pytest

from frontdesk_kit import RetryPolicy

POLICY = RetryPolicy(attempts=10, first_delay=0.1, max_delay=1.0)
SAMPLES = 500


def delays(policy: RetryPolicy, attempt: int) -> list[float]:
    return [policy.delay(attempt) for _ in range(SAMPLES)]


@pytest.mark.parametrize(("attempt", "ceiling"), [(1, 0.1), (2, 0.2), (3, 0.4), (4, 0.8)])
def test_the_delay_doubles_with_each_attempt(attempt: int, ceiling: float) -> None:
    """Attempt n waits between half and all of first_delay * 2**(n-1)."""
    seen = delays(POLICY, attempt)

    assert all(ceiling / 2 <= d <= ceiling for d in seen)


def test_the_delay_never_exceeds_max_delay() -> None:
    """From the attempt whose doubling passes max_delay on, max_delay is the ceiling."""
    for attempt in (5, 6, 10, 60):
        assert all(0.5 <= d <= POLICY.max_delay for d in delays(POLICY, attempt))


def test_the_jitter_spreads_over_the_whole_range() -> None:
    """Delays are not all equal: they fill [0.5, 1.0] of the ceiling, so retries spread out."""
    seen = delays(POLICY, 3)

    assert min(seen) < 0.4 * 0.6
    assert max(seen) > 0.4 * 0.9


def test_a_long_retry_budget_stays_capped() -> None:
    """A policy retrying for hours still waits max_delay between late attempts."""
    assert RetryPolicy(attempts=5_000, first_delay=0.2, max_delay=5.0).delay(1_100) <= 5.0
