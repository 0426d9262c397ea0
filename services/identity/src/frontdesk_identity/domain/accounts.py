"""Accounts and the rules about them: who has a login, who may get a welcome email."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from .errors import UnknownAddress, WelcomeNotAllowed

Origin = Literal["import", "admin", "signup"]
USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$"


def email_key(email: str) -> str:
    """The look-up form of an address: addresses are matched case-insensitively."""
    return email.strip().lower()


def username_key(username: str) -> str:
    """The look-up form of a username: usernames are unique case-insensitively."""
    return username.strip().lower()


def looks_like_email(login: str) -> bool:
    """Whether a login name is an address (usernames cannot hold an ``@``)."""
    return "@" in login


def valid_username(username: str) -> bool:
    """3-64 letters, digits, dots, dashes or underscores, starting with a letter or digit."""
    return re.fullmatch(USERNAME_PATTERN, username) is not None


@dataclass
class Account:
    """An account of identity: a studio's client without a login, or a login."""

    id: str
    origin: Origin
    given_name: str
    family_name: str | None = None
    studio_id: str | None = None
    external_client_id: str | None = None
    username: str | None = None
    password_hash: str | None = None
    email_verified_at: datetime | None = None
    first_login_at: datetime | None = None
    last_login_at: datetime | None = None
    merged_into: str | None = None
    emails: list[str] = field(default_factory=list)

    @property
    def has_login(self) -> bool:
        """A username and password that work: set, proven (signups) and not merged away."""
        if self.password_hash is None or self.merged_into is not None:
            return False
        return self.origin != "signup" or self.email_verified_at is not None

    @property
    def ever_logged_in(self) -> bool:
        """Whether the account has ever logged in."""
        return self.first_login_at is not None

    @property
    def may_resend_welcome(self) -> bool:
        """The welcome email may be resent only to a client who never logged in."""
        return not self.ever_logged_in and self.merged_into is None

    @property
    def awaits_login(self) -> bool:
        """A studio's client still to create their login: no login, not merged away."""
        return not self.has_login and self.merged_into is None and self.studio_id is not None

    def check_welcome_resend(self, email: str) -> str:
        """The known address to send the welcome email to, or why it may not go."""
        if not self.may_resend_welcome:
            raise WelcomeNotAllowed(
                "this client has already logged in; send a password reset instead"
            )
        for known in self.emails:
            if email_key(known) == email_key(email):
                return known
        raise UnknownAddress("choose one of the client's known email addresses")

    def record_login(self, now: datetime) -> bool:
        """Note a successful login; True when it is the first one ever."""
        first = self.first_login_at is None
        if first:
            self.first_login_at = now
        self.last_login_at = now
        return first

    @property
    def primary_email(self) -> str | None:
        """The preferred address, where notices go."""
        return self.emails[0] if self.emails else None
