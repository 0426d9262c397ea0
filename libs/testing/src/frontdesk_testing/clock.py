"""A clock the test moves, for code that is handed its clock (`clock: Callable[[], datetime]`).

Tests of expiry, throttling and leases then say "eight days later" instead of sleeping:

    clock = FakeClock()
    registry = bootstrap(settings, units, clock)
    clock.advance(days=31)

Code that reads the system clock itself (`time.time()`, `datetime.now()`) is moved with
the `time-machine` library instead (installed with the dev tools; its pytest fixture is
`time_machine`): `time_machine.move_to(START, tick=False)`, then `time_machine.shift(...)`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


class FakeClock:
    """A clock that stands still until the test advances it; calling it is `now()`."""

    def __init__(self, start: datetime = START) -> None:
        """Start at `start`, which must carry a time zone (the services compare aware times)."""
        if start.tzinfo is None:
            raise ValueError("a FakeClock starts at an aware datetime (tzinfo=UTC)")
        self._now = start

    def __call__(self) -> datetime:
        """The current time, so the clock itself is the `clock` argument."""
        return self._now

    def now(self) -> datetime:
        """The current time."""
        return self._now

    def timestamp(self) -> float:
        """The current time as POSIX seconds, for code that takes `Callable[[], float]`."""
        return self._now.timestamp()

    def advance(self, step: timedelta | None = None, /, **parts: float) -> datetime:
        """Move forward by `step` and/or `timedelta(**parts)` (`days=8`); the new time.

        Time never goes back: a negative step is a mistake in the test.
        """
        total = (step or timedelta()) + timedelta(**parts)
        if total < timedelta():
            raise ValueError(f"a clock only moves forward, not by {total}")
        self._now += total
        return self._now
