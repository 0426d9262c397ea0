"""The stack suite's arithmetic: percentiles, what a reset-storm step achieved, and the
search for the highest sustained rate."""

from __future__ import annotations

import pytest

from frontdesk_devstack.bench.stats import RateSearch, Sent, StepWindow, percentile, step_figures


def test_percentiles_interpolate_between_ranks() -> None:
    values = [float(n) for n in range(1, 101)]  # 1..100

    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile([0.2], 99) == 0.2
    assert (percentile([3.0, 1.0], 0), percentile([3.0, 1.0], 100)) == (1.0, 3.0)
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)


def _step(rate: float, seconds: float, delays: list[float | None], status: int = 202):
    sends = [Sent(f"a{n}@x", 1000.0 + n / rate, status) for n in range(len(delays))]
    delivered = {
        s.email: s.fired_at + d for s, d in zip(sends, delays, strict=True) if d is not None
    }
    return StepWindow(rate, 1000.0, 1000.0 + seconds, grace=2.0), sends, delivered


def test_a_step_whose_emails_all_arrive_within_the_grace_is_sustained() -> None:
    window, sends, delivered = _step(10, 1.0, [0.1] * 9 + [1.5])

    f = step_figures(window, sends, delivered)

    assert f["sustained"] == 1.0
    assert (f["requests"], f["delivered"], f["missing"], f["accepted"]) == (10, 10, 0, 10)
    assert f["delivered_in_window_per_s"] == 9.0  # the last one arrived after the window
    assert f["drain_seconds"] == pytest.approx(0.9 + 1.5 - 1.0)
    assert f["latency_p50_s"] == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("delays", "status"),
    [
        ([0.1] * 9 + [None], 202),  # one email never came
        ([0.1] * 9 + [5.0], 202),  # one came after the grace: the backlog grew
        ([0.1] * 10, 429),  # refused requests
    ],
)
def test_a_missing_late_or_refused_email_means_not_sustained(delays, status) -> None:
    window, sends, delivered = _step(10, 1.0, delays, status)

    assert step_figures(window, sends, delivered)["sustained"] == 0.0


def test_a_generator_that_fell_behind_its_schedule_proves_nothing() -> None:
    window, sends, delivered = _step(10, 1.0, [0.1] * 10)
    slow = StepWindow(20, window.start, window.end, window.grace)  # 20/s asked, 10 fired

    assert step_figures(slow, sends, delivered)["sustained"] == 0.0


def _search(outcomes: dict[float, bool], **kwargs) -> tuple[list[float], float | None]:
    search = RateSearch(**kwargs)
    tried = []
    while (rate := search.next_rate()) is not None:
        tried.append(rate)
        search.record(rate, outcomes.get(rate, rate <= 130))
    return tried, search.best


def test_the_search_doubles_until_a_failure_then_halves_the_gap() -> None:
    tried, best = _search({}, start=25, limit=1600, refine=2)

    assert tried == [25, 50, 100, 200, 150, 125]
    assert best == 125


def test_the_search_stops_at_its_limit_and_when_the_first_rate_fails() -> None:
    assert _search({}, start=25, limit=80, refine=1) == ([25, 50, 80], 80)
    assert _search({5: False}, start=5, limit=5, refine=0) == ([5], None)
    assert _search({10: False, 5: True}, start=10, limit=100, refine=1) == ([10, 5], 5)
