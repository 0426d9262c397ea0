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
from .domain.errors import EmailQuotaSpent
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
        address = address_scope(kind, email)
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


@dataclass(frozen=True)
class StudioQuota:
    """How many more emails a studio may cause this hour, and when a slot frees up."""

    remaining: int
    resets_at: datetime | None


async def _quota_state(
    deps: Deps, tx: Transaction, kind: str, scope: str, limit: int
) -> StudioQuota:
    quota, now = Quota(limit), deps.clock()
    used = await tx.rates.count(kind, scope, now, quota.window_seconds)
    first = await tx.rates.first(kind, scope, now, quota.window_seconds)
    resets_at = first + timedelta(seconds=quota.window_seconds) if first else None
    return StudioQuota(max(0, quota.limit - used), resets_at)


async def studio_quota(deps: Deps, tx: Transaction, studio: str) -> StudioQuota:
    """The studio's email quota state (every email the studio causes counts)."""
    limit = deps.settings.emails_per_studio_per_hour
    return await _quota_state(deps, tx, "email:studio", studio, limit)


async def admin_email_allowed(
    deps: Deps, tx: Transaction, kind: str, *, email: str, studio: str
) -> None:
    """Count one email an admin's action causes, or tell the admin why it can't go.

    Admins are authenticated, so enumeration is no reason to hide a refusal from them: a
    spent studio quota, or a spent per-address quota for this kind of email, raises
    `EmailQuotaSpent` (a 429 saying when to retry) instead of dropping the email silently.
    """
    if await deps.email_allowed(tx, kind, email=email, studio=studio):
        return
    state, why = await studio_quota(deps, tx, studio), "the studio's email quota for this hour"
    if state.remaining > 0:
        limit = deps.settings.emails_per_address_per_hour
        state = await _quota_state(deps, tx, "email:address", address_scope(kind, email), limit)
        why = "this address's quota of these emails for this hour"
    wait = (state.resets_at - deps.clock()).total_seconds() if state.resets_at else 1.0
    raise EmailQuotaSpent(f"{why} is spent; try again later", max(1.0, wait))


def address_scope(kind: str, email: str) -> str:
    """The per-address quota's scope: one kind of email to one address."""
    return f"{kind}:{email.lower()}"


async def studio_name(deps: Deps, tx: Transaction, studio_id: str, given: str | None) -> str:
    """The studio's name: the one given now (remembered), else the last known, else its id."""
    if given:
        await tx.studios.remember(studio_id, given)
        return given
    return await tx.studios.name(studio_id) or studio_id


async def in_uniform_time(seconds: float, work: Awaitable[T]) -> T:
    """Run `work`, then wait until `seconds` have passed: the answer's timing says nothing."""
    started = time.monotonic()
    result = await work
    await asyncio.sleep(max(0.0, seconds - (time.monotonic() - started)))
    return result
