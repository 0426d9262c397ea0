"""Ops' resend: send one email again that the idempotent consumer would never send twice.

The message is copied as a new queued message (new id, same recipient, template and
facts) that the sender loop delivers like any other, so suppression and rate limits
still apply. An email whose one-time link token is no longer kept (tokens are erased
once a message reached a final state) cannot be re-created here: the fix then is a new
link from identity (e.g. a password reset), never a stored token.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from .adapters.resends import Resends

LINK_KINDS = frozenset({"create_login", "email_verification", "password_reset"})
"""Kinds whose email carries a one-time link: they need the sealed token to be rendered."""


class ResendRefused(Exception):
    """The message cannot be resent; the message says why (HTTP 409)."""


class UnknownMessage(LookupError):
    """No such message (HTTP 404)."""


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
    if kind in LINK_KINDS and (expired or not has_secrets):
        return (
            "the email's one-time link is expired or its token no longer kept; "
            "have identity issue a new link instead"
        )
    return None


async def resend(
    pool: asyncpg.Pool, resends: Resends, message_id: UUID, operator: str, reason: str
) -> Resent:
    """Queue exactly one more copy of `message_id`, recording who asked and why."""
    new_id, new_event = uuid.uuid4(), uuid.uuid4()
    async with pool.acquire() as conn, conn.transaction():
        original = await resends.lock_original(conn, message_id)
        if original is None:
            raise UnknownMessage(f"no message {message_id}")
        why_not = refusal(
            original["kind"], original["status"], original["has_secrets"], original["expired"]
        )
        if why_not is not None:
            raise ResendRefused(why_not)
        await resends.copy(conn, message_id, new_id, new_event)
        await resends.record(conn, new_id, message_id, operator, reason)
    return Resent(new_id, message_id, original["recipient"])
