"""Quotas on emails and throttling of logins: plain arithmetic over counted acts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Quota:
    """At most `limit` acts per `window_seconds` in one scope (an address, an IP, a studio)."""

    limit: int
    window_seconds: int = 3600

    def allows(self, recent: int) -> bool:
        """Whether one more act is allowed after `recent` acts in the window."""
        return recent < self.limit


@dataclass(frozen=True)
class LoginThrottle:
    """Failed logins make the next attempt wait longer: free at first, then doubling.

    `free_failures` failures cost nothing; after that each failure doubles the delay,
    starting at `base_delay` seconds and capped at `max_delay`. While the delay has not
    passed since the last failure, further attempts are refused without checking the
    password (so guessing cannot go faster than the delays).
    """

    free_failures: int = 3
    base_delay: float = 1.0
    max_delay: float = 300.0
    window_seconds: int = 900

    def delay_after(self, failures: int) -> float:
        """Seconds to wait after `failures` recent failures."""
        if failures <= self.free_failures:
            return 0.0
        return float(
            min(self.max_delay, self.base_delay * 2 ** (failures - self.free_failures - 1))
        )
