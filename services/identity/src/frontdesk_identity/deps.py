"""What every use case works with, built once by `bootstrap`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from .adapters.crypto import AccessTokens, PasswordHasher, Sealer
from .adapters.unit_of_work import Database, Transaction
from .domain.limits import LoginThrottle, Quota
from .domain.passwords import PasswordPolicy
from .domain.tokens import Digester, Purpose
from .settings import IdentitySettings

T = TypeVar("T")


def utc_now() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)


@dataclass
class Deps:
    """The database, keys, rules and limits the handlers use."""

    settings: IdentitySettings
    db: Database
    hasher: PasswordHasher
    policy: PasswordPolicy
    digester: Digester
    sealer: Sealer
    access: AccessTokens
    clock: Callable[[], datetime] = utc_now

    def lifetime(self, purpose: Purpose) -> timedelta:
        """How long a link of `purpose` works."""
        seconds = {
            "create_login": self.settings.create_login_link_seconds,
            "password_reset": self.settings.reset_link_seconds,
            "email_verification": self.settings.verification_seconds,
        }[purpose]
        return timedelta(seconds=seconds)

    def page_url(self, path: str) -> str:
        """The public URL of one of identity's link pages."""
        return f"{self.settings.public_base_url.rstrip('/')}{path}"

    @property
    def account_throttle(self) -> LoginThrottle:
        s = self.settings
        return LoginThrottle(
            s.login_free_failures, s.login_base_delay_seconds, s.login_max_delay_seconds
        )

    @property
    def ip_throttle(self) -> LoginThrottle:
        s = self.settings
        return LoginThrottle(
            s.ip_login_failures_before_delay, s.login_base_delay_seconds, s.login_max_delay_seconds
        )

    async def email_allowed(
        self,
        tx: Transaction,
        kind: str,
        *,
        email: str,
        ip: str | None = None,
        studio: str | None = None,
    ) -> bool:
        """Whether one more email of `kind` fits every quota; counts it when it does.

        Per address the quota counts one kind of email (at most 5 reset emails an hour);
        per IP and per studio it counts them all. A refused email changes nothing the
        caller sees: the HTTP answer stays the same.
        """
        s, now = self.settings, self.clock()
        address = f"{kind}:{email.lower()}"
        scopes = [("email:address", address, Quota(s.emails_per_address_per_hour))]
        if ip:
            scopes.append(("email:ip", ip, Quota(s.emails_per_ip_per_hour)))
        if studio:
            scopes.append(("email:studio", studio, Quota(s.emails_per_studio_per_hour)))
        for kind, scope, quota in scopes:
            if not quota.allows(await tx.rates.count(kind, scope, now, quota.window_seconds)):
                return False
        for kind, scope, _ in scopes:
            await tx.rates.record(kind, scope, now)
        return True


async def in_uniform_time(seconds: float, work: Awaitable[T]) -> T:
    """Run `work`, then wait until `seconds` have passed: the answer's timing says nothing."""
    started = time.monotonic()
    result = await work
    await asyncio.sleep(max(0.0, seconds - (time.monotonic() - started)))
    return result
