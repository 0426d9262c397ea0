"""The arithmetic of the stack suite, kept free of I/O so it can be tested alone:
percentiles, what one open-loop step of requests achieved, and the search for the
highest rate the stack sustains.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


def percentile(values: Sequence[float], q: float) -> float:
    """The `q`-th percentile (0-100) of `values`, interpolated between the nearest ranks
    (`statistics.quantiles`' inclusive method); the value itself when there is one."""
    if not values:
        raise ValueError("no values")
    if len(values) == 1 or q <= 0:
        return min(values)
    if q >= 100:
        return max(values)
    cuts = statistics.quantiles(values, n=1000, method="inclusive")
    return cuts[round(q * 10) - 1]


@dataclass(frozen=True)
class Sent:
    """One request of an open-loop step: whom it was for, when it was fired (wall clock,
    seconds since the epoch) and what came back (`status` None when it failed)."""

    email: str
    fired_at: float
    status: int | None
    error: str | None = None


@dataclass(frozen=True)
class StepWindow:
    """The offered rate of a step, when its firing began and ended, and the grace after
    the end within which a sustained rate has delivered every email."""

    rate: float
    start: float
    end: float
    grace: float


def step_figures(
    window: StepWindow, sends: Sequence[Sent], delivered: Mapping[str, float]
) -> dict[str, float]:
    """What a step achieved, from each request and each email's arrival (`delivered`:
    address -> wall-clock time the SMTP server accepted it).

    `sustained` (1.0 or 0.0): every request was accepted, the generator kept to the
    schedule, and at least 99% of the emails arrived by the end of the window plus the
    grace, so the backlog stayed flat.
    """
    seconds = window.end - window.start
    arrivals = sorted(delivered[s.email] for s in sends if s.email in delivered)
    latencies = [delivered[s.email] - s.fired_at for s in sends if s.email in delivered]
    accepted = sum(1 for s in sends if s.status == 202)
    in_window = sum(1 for t in arrivals if t <= window.end)
    in_grace = sum(1 for t in arrivals if t <= window.end + window.grace)
    fired_per_s = len(sends) / seconds if seconds > 0 else 0.0
    kept_up = fired_per_s >= 0.95 * window.rate
    sustained = accepted == len(sends) and kept_up and in_grace >= 0.99 * len(sends)
    figures = {
        "offered_per_s": window.rate,
        "seconds": seconds,
        "requests": float(len(sends)),
        "fired_per_s": fired_per_s,
        "accepted": float(accepted),
        "delivered": float(len(arrivals)),
        "missing": float(len(sends) - len(arrivals)),
        "delivered_in_window_per_s": in_window / seconds if seconds > 0 else 0.0,
        "sustained": float(sustained),
    }
    if arrivals:
        figures["delivered_per_s"] = len(arrivals) / max(arrivals[-1] - window.start, 1e-9)
        figures["drain_seconds"] = max(0.0, arrivals[-1] - window.end)
        figures["latency_p50_s"] = percentile(latencies, 50)
        figures["latency_p99_s"] = percentile(latencies, 99)
    return figures


@dataclass
class RateSearch:
    """The highest sustained rate: double from `start` while each rate is sustained (up
    to `limit`), then halve the gap between the best and the first failure `refine`
    times. Feed it each outcome with `record`; `next_rate` is None when it is done."""

    start: float
    limit: float
    refine: int = 1
    tried: list[tuple[float, bool]] = field(default_factory=list)

    def record(self, rate: float, sustained: bool) -> None:
        """The outcome of running `rate`."""
        self.tried.append((rate, sustained))

    @property
    def best(self) -> float | None:
        """The highest rate sustained so far, if any."""
        return max((r for r, ok in self.tried if ok), default=None)

    def next_rate(self) -> float | None:
        """The next rate to try, or None when the search is over."""
        if not self.tried:
            return min(self.start, self.limit)
        failed = [r for r, ok in self.tried if not ok]
        best = self.best or 0.0
        if not failed:
            return min(best * 2, self.limit) if best < self.limit else None
        first_failure = next(i for i, (_, ok) in enumerate(self.tried) if not ok)
        refinements = len(self.tried) - 1 - first_failure
        lowest_failure = min(failed)
        middle = float(round((best + lowest_failure) / 2))
        if refinements >= self.refine or middle <= best or middle >= lowest_failure:
            return None
        return middle
