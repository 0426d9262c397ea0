"""What every use case works with, built once by `bootstrap.wire`: units of work, keys,
and the rules as the settings configure them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from frontdesk_contracts import AccessTokenClaims, SealedSecret
from frontdesk_kit.background import BackgroundWork

from ..domain.limits import EmailQuotas, LoginLimits, LoginThrottle
from ..domain.passwords import PasswordPolicy
from ..domain.tokens import Digester, Purpose
from ..settings import IdentitySettings
from .unit_of_work import UnitsOfWork


class Hasher(Protocol):
    """Password hashing that spends the same time whether or not there is a hash."""

    async def hash(self, password: str) -> str:
        """The hash (with its own salt and parameters) of `password`."""
        ...

    async def verify(self, stored: str | None, password: str) -> bool:
        """Whether `password` matches `stored`; as slow when there is none."""
        ...

    def needs_rehash(self, stored: str) -> bool:
        """Whether `stored` was made with other parameters than the current ones."""
        ...


class Sealer(Protocol):
    """Seals secrets (link tokens, codes) to notifications, the one that can open them."""

    def seal(self, secret: str) -> SealedSecret:
        """The sealed form of `secret`, safe to put in an event."""
        ...


class AccessTokens(Protocol):
    """Issues and verifies identity's access tokens."""

    lifetime_seconds: int

    def issue(self, account_id: str, session_id: str) -> str:
        """A signed access token for `account_id` in session `session_id`."""
        ...

    def verify(self, token: str) -> AccessTokenClaims:
        """The claims of a valid token; `NotAuthenticated` otherwise."""
        ...

    def jwks(self) -> dict[str, Any]:
        """The public key set that verifies the tokens."""
        ...


def utc_now() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)


@dataclass
class Deps:
    """The units of work, keys, rules and limits the use cases use."""

    settings: IdentitySettings
    db: UnitsOfWork
    hasher: Hasher
    policy: PasswordPolicy
    digester: Digester
    sealer: Sealer
    access: AccessTokens
    uniform_work: BackgroundWork
    """Forgot-password and signup work, which their answers do not wait for."""
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
    def quotas(self) -> EmailQuotas:
        """The email quotas the settings set."""
        s = self.settings
        return EmailQuotas(
            s.emails_per_address_per_hour, s.emails_per_ip_per_hour, s.emails_per_studio_per_hour
        )

    @property
    def login_limits(self) -> LoginLimits:
        """How failed logins slow down, per account and per IP."""
        s = self.settings
        base, cap = s.login_base_delay_seconds, s.login_max_delay_seconds
        return LoginLimits(
            LoginThrottle(s.login_free_failures, base, cap),
            LoginThrottle(s.ip_login_failures_before_delay, base, cap),
        )
