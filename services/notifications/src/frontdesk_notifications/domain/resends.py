"""Ops' resend: which message may be sent once more, a rule of its own.

A resend copies the message as a new queued one (new id, same recipient, template and
facts) that the sender loop delivers like any other, so suppression and rate limits
still apply. An email whose one-time link token is no longer kept (tokens are erased
once a message reached a final state) cannot be re-created: the fix then is a new link
from identity (e.g. a password reset), never a stored token.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

ONE_TIME_LINK_KINDS: frozenset[str] = frozenset(
    {"create_login", "email_verification", "password_reset"}
)
"""Kinds whose email carries a one-time link: they need the sealed token to be rendered."""


class ResendRefused(Exception):
    """The message cannot be resent; the message says why (HTTP 409)."""


class UnknownMessage(LookupError):
    """No such message (HTTP 404)."""


@dataclass(frozen=True)
class ResendCandidate:
    """What decides whether a message can be resent."""

    id: UUID
    kind: str
    status: str
    recipient: str
    has_secrets: bool
    expired: bool


@dataclass(frozen=True)
class Resent:
    """The new message queued by a resend."""

    message_id: UUID
    original_id: UUID
    recipient: str


def refusal(kind: str, status: str, has_secrets: bool, expired: bool) -> str | None:
    """Why a message with these facts cannot be resent (None: it can)."""
    if status == "queued":
        return "the message is still queued: it will be sent, no resend needed"
    if kind in ONE_TIME_LINK_KINDS and (expired or not has_secrets):
        return (
            "the email's one-time link is expired or its token no longer kept; "
            "have identity issue a new link instead"
        )
    return None


def check_resendable(original: ResendCandidate | None, message_id: UUID) -> ResendCandidate:
    """`original` when it may be resent; raises `UnknownMessage` or `ResendRefused`."""
    if original is None:
        raise UnknownMessage(f"no message {message_id}")
    why_not = refusal(original.kind, original.status, original.has_secrets, original.expired)
    if why_not is not None:
        raise ResendRefused(why_not)
    return original
