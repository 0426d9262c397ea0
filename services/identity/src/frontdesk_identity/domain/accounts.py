"""Accounts and the rules about them: who has a login, who may get a welcome email."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from .errors import UnknownAddress, UsernameRejected, WelcomeNotAllowed

Origin = Literal["import", "admin", "signup"]
USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$"
USERNAME_RULES = (
    "3 to 64 characters: letters, digits, dots, dashes and underscores, "
    "starting with a letter or a digit."
)
"""`USERNAME_PATTERN` as a client reads it (the API's schema and the link page's hint)."""


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
    """Whether `username` follows `USERNAME_RULES`."""
    return re.fullmatch(USERNAME_PATTERN, username) is not None


def check_username(username: str) -> str:
    """`username`, or `UsernameRejected` stating the rules it breaks."""
    if not valid_username(username):
        raise UsernameRejected(f"use {USERNAME_RULES[0].lower()}{USERNAME_RULES[1:]}")
    return username


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
    pending_username: str | None = None  # a signup's choice, taken once the address is proven
    email_verified_at: datetime | None = None
    first_login_at: datetime | None = None
    last_login_at: datetime | None = None
    merged_into: str | None = None
    emails: list[str] = field(default_factory=list)
    proven_emails: list[str] = field(default_factory=list)  # most recently proven first

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
        """A create-login email may be resent only to a client who has no login yet."""
        return self.resend_sends == "create_login"

    @property
    def resend_sends(self) -> Literal["create_login", "login_ready"] | None:
        """What an admin's welcome resend sends: a create-login link while there is no
        login; once a login exists but was never used, a "your login is ready" email
        with no credential-setting link; nothing once the client has logged in."""
        if self.ever_logged_in or self.merged_into is not None:
            return None
        return "login_ready" if self.has_login else "create_login"

    @property
    def awaits_login(self) -> bool:
        """A studio's client still to create their login: no login, not merged away."""
        return not self.has_login and self.merged_into is None and self.studio_id is not None

    def check_welcome_resend(self, email: str) -> str:
        """The known address to send the welcome email to, or why it may not go."""
        if self.resend_sends is None:
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

    def known_address(self, email: str) -> str | None:
        """The account's own spelling of `email`, if it is one of its addresses."""
        return next((k for k in self.emails if email_key(k) == email_key(email)), None)

    def credential_address(self, typed: str | None) -> str | None:
        """Where an email carrying a credential link (or a password notice) goes: the
        address typed when it is one of the account's, else the one proven most recently
        (by using a link sent to it), else the preferred one."""
        known = self.known_address(typed) if typed else None
        if known is not None:
            return known
        proven = next((p for p in self.proven_emails if self.known_address(p)), None)
        return proven or self.primary_email

    @property
    def primary_email(self) -> str | None:
        """The preferred address, where notices go."""
        return self.emails[0] if self.emails else None
