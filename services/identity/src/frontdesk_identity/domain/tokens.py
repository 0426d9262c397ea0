"""One-time tokens: random, kept only as digests, spent once, and why a link stops working."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

TOKEN_BYTES = 32  # 256 random bits: far beyond the 128 the rules ask for
CODE_DIGITS = 6
MAX_CODE_ATTEMPTS = 5  # a 6-digit code survives only a handful of guesses

Purpose = Literal["create_login", "password_reset", "email_verification"]


class LinkState(StrEnum):
    """What opening or submitting a link finds."""

    VALID = "valid"
    EXPIRED = "expired"
    USED = "used"
    SUPERSEDED = "superseded"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


RENEWABLE = frozenset({LinkState.EXPIRED, LinkState.SUPERSEDED})
"""Dead links whose page may send a new one: not used ones (the login exists), not
revoked ones (password changed, merged away) and not unknown tokens."""


def new_token() -> str:
    """A fresh URL-safe token of 256 random bits."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_code() -> str:
    """A fresh short numeric code for the app (verification)."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


class Digester:
    """Keyed digests of tokens and codes: the database sees only these.

    HMAC with a server-side key, so a leaked table cannot be brute-forced offline even
    for the short codes.
    """

    def __init__(self, key: bytes) -> None:
        self._key = key

    def digest(self, secret: str) -> bytes:
        """The HMAC-SHA-256 of `secret`."""
        return hmac.new(self._key, secret.encode("utf-8"), hashlib.sha256).digest()

    def matches(self, secret: str, digest: bytes) -> bool:
        """Whether `secret` has `digest`, compared in constant time."""
        return hmac.compare_digest(self.digest(secret), digest)


@dataclass(frozen=True)
class StoredToken:
    """A one-time token as stored: its digest and lifecycle, never its value."""

    id: str
    account_id: str
    purpose: Purpose
    email: str
    expires_at: datetime
    used_at: datetime | None
    ended_at: datetime | None
    ended_because: str | None
    code_attempts: int = 0

    def state(self, now: datetime) -> LinkState:
        """Whether the token still works, or why not (used wins over the other reasons)."""
        if self.used_at is not None:
            return LinkState.USED
        if self.ended_because == "superseded":
            return LinkState.SUPERSEDED
        if self.ended_at is not None:
            return LinkState.REVOKED
        if now >= self.expires_at:
            return LinkState.EXPIRED
        return LinkState.VALID


class Recovery(StrEnum):
    """What a dead link's page offers instead."""

    REQUEST_RESET = "request_reset"
    """A form asking for a reset link (by address or username)."""
    RESEND_VERIFICATION = "resend_verification"
    """A button sending a new verification link, if the address is still unproven."""
    RENEW_CREATE_LOGIN = "renew_create_login"
    """A button sending a new create-login link, if the login still needs creating."""
    ASK_THE_STUDIO = "ask_the_studio"
    """Nothing to click: the studio can send a new welcome email."""


def recovery(purpose: Purpose, state: LinkState) -> Recovery:
    """What the page of a dead link of `purpose` in `state` offers."""
    # A used link made a login; a revoked create-login link was merged into a login (or
    # its password was set): either way a reset link is the way in, not a new one.
    revoked_login_link = purpose == "create_login" and state is LinkState.REVOKED
    if purpose == "password_reset" or state is LinkState.USED or revoked_login_link:
        return Recovery.REQUEST_RESET
    if purpose == "email_verification":
        return Recovery.RESEND_VERIFICATION
    if state in RENEWABLE:
        return Recovery.RENEW_CREATE_LOGIN
    return Recovery.ASK_THE_STUDIO
