"""Quotas on emails and throttling of logins: plain arithmetic over counted acts.

An act (an email asked for, a failed login) is counted in a scope: a counter `kind`
(``email:address``, ``login:ip``...) and a `key` (the address, the IP, the studio).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from .errors import EmailQuotaSpent

Rule = TypeVar("Rule")


@dataclass(frozen=True)
class QuotaState:
    """How many more acts a quota allows in this window, and when a slot frees up."""

    remaining: int
    resets_at: datetime | None


@dataclass(frozen=True)
class Quota:
    """At most `limit` acts per `window_seconds` in one scope (an address, an IP, a studio)."""

    limit: int
    window_seconds: int = 3600

    def allows(self, recent: int) -> bool:
        """Whether one more act is allowed after `recent` acts in the window."""
        return recent < self.limit

    def state(self, recent: int, oldest: datetime | None) -> QuotaState:
        """The state after `recent` acts, the oldest of them at `oldest`: a slot frees up
        when that one leaves the window."""
        resets_at = oldest + timedelta(seconds=self.window_seconds) if oldest else None
        return QuotaState(max(0, self.limit - recent), resets_at)


@dataclass(frozen=True)
class Scope(Generic[Rule]):
    """Where one act is counted (counter `kind` and `key`) and the `rule` that holds there:
    a `Quota` of emails, or a `LoginThrottle` of failed logins."""

    kind: str
    key: str
    rule: Rule


@dataclass(frozen=True)
class EmailQuotas:
    """Emails per hour: per address (one kind of email: at most 5 reset emails an hour),
    per IP and per studio (every kind counts)."""

    per_address: int
    per_ip: int
    per_studio: int

    def address(self, kind: str, email: str) -> Scope[Quota]:
        """The quota of one kind of email to one address."""
        return Scope("email:address", f"{kind}:{email.lower()}", Quota(self.per_address))

    def studio(self, studio_id: str) -> Scope[Quota]:
        """The quota of every email a studio causes (admins' and its clients' own)."""
        return Scope("email:studio", studio_id, Quota(self.per_studio))

    def scopes(
        self, kind: str, *, email: str, ip: str | None = None, studio: str | None = None
    ) -> list[Scope[Quota]]:
        """Every quota one email of `kind` must fit; each counts it when it goes."""
        scopes = [self.address(kind, email)]
        if ip:
            scopes.append(Scope("email:ip", ip, Quota(self.per_ip)))
        if studio:
            scopes.append(self.studio(studio))
        return scopes

    @staticmethod
    def spent(studio: QuotaState, address: QuotaState, now: datetime) -> EmailQuotaSpent:
        """Why an admin's email cannot go, and when to retry: the studio's quota when it
        is spent, else the address's quota of that kind of email.

        Admins are authenticated, so enumeration is no reason to hide this from them
        (anonymous callers get their uniform answer and the email is dropped)."""
        state, why = studio, "the studio's email quota for this hour"
        if studio.remaining > 0:
            state, why = address, "this address's quota of these emails for this hour"
        wait = (state.resets_at - now).total_seconds() if state.resets_at else 1.0
        return EmailQuotaSpent(f"{why} is spent; try again later", max(1.0, wait))


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

    def wait(self, failures: int, last: datetime | None, now: datetime) -> float:
        """Seconds still to wait now, after `failures` recent failures, the last at `last`."""
        if last is None:
            return 0.0
        return self.delay_after(failures) - (now - last).total_seconds()


@dataclass(frozen=True)
class LoginLimits:
    """Failed logins slow down the account tried and the IP trying."""

    account: LoginThrottle
    ip: LoginThrottle

    def scopes(self, account_id: str | None, login: str, ip: str) -> list[Scope[LoginThrottle]]:
        """Where a login attempt counts: per account whichever name was typed (an unknown
        name is throttled as itself), and per IP. The account's scope comes first."""
        who = account_id or f"unknown:{login.lower()}"
        return [Scope("login:account", who, self.account), Scope("login:ip", ip, self.ip)]
