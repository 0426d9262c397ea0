"""Which email an event asks for: the kind, the template, the recipient and the facts.

Only non-secret facts go into `EmailRequest.context` (it is stored as is); the link
tokens and codes stay sealed in `EmailRequest.secrets` until the moment of sending.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import singledispatch
from uuid import UUID, uuid5

from frontdesk_contracts import (
    AccountCreatedByAdmin,
    AccountsMerged,
    CreateLoginLinkRequested,
    EmailKind,
    EmailVerificationRequested,
    EventPayload,
    LoginReadyEmailRequested,
    PasswordChanged,
    PasswordResetRequested,
    SealedSecret,
    SignupAttemptedForExistingLogin,
    WelcomeEmailRequested,
)

_MESSAGE_IDS = UUID("9d3c1f0e-5b7a-4c4e-9a51-6f1e2d0c7b11")

SUPERSEDING_KINDS: frozenset[str] = frozenset({"create_login", "password_reset"})
"""Kinds whose newer email kills the link of an older, unsent one of the same account."""


@dataclass(frozen=True)
class EmailRequest:
    """One email an event asks for."""

    kind: EmailKind
    template: str
    recipient: str
    account_id: str
    studio_id: str | None
    context: dict[str, str | int | None]
    secrets: dict[str, SealedSecret] = field(default_factory=dict)
    expires_at: datetime | None = None
    supersedes: UUID | None = None


def message_id_for(event_id: UUID, kind: str) -> UUID:
    """The stable id of the message (event, kind): the same on every replay and retry."""
    return uuid5(_MESSAGE_IDS, f"{event_id}/{kind}")


@singledispatch
def email_requested_by(payload: EventPayload) -> EmailRequest | None:
    """The email `payload` asks for, or None when the event needs no email."""
    return None


def _link_page(payload: EventPayload) -> str | None:
    # Identity may name the page its token opens (an optional field added alongside
    # this service); without it the configured path for the kind is used.
    page = getattr(payload, "link_page", None)
    return page if isinstance(page, str) else None


def _name(given: str, family: str | None) -> str:
    return given if family is None else f"{given} {family}"


CreateLoginEvent = AccountCreatedByAdmin | WelcomeEmailRequested | CreateLoginLinkRequested


def _create_login(payload: CreateLoginEvent, template: str) -> EmailRequest:
    """A create-your-login email: the first one, a welcome resend, or a new link the
    client asked for from a dead link's page (which says earlier links no longer work).
    A newer one supersedes older unsent ones; identity may not know the studio's name,
    and the studio's brand (or ours) names it then."""
    return EmailRequest(
        kind="create_login",
        template=template,
        recipient=payload.email,
        account_id=payload.account_id,
        studio_id=payload.studio_id,
        context={
            "given_name": payload.given_name,
            "full_name": _name(payload.given_name, payload.family_name),
            "studio_name": payload.studio_name,
            "expires_at": payload.expires_at.isoformat(),
            "link_page": _link_page(payload),
        },
        secrets={"token": payload.create_login_token},
        expires_at=payload.expires_at,
        supersedes=getattr(payload, "supersedes", None),
    )


@email_requested_by.register
def _(payload: AccountCreatedByAdmin) -> EmailRequest:
    return _create_login(payload, "create_login")


@email_requested_by.register
def _(payload: WelcomeEmailRequested) -> EmailRequest:
    return _create_login(payload, "welcome_resend")


@email_requested_by.register
def _(payload: CreateLoginLinkRequested) -> EmailRequest:
    return _create_login(payload, "welcome_resend")


@email_requested_by.register
def _(payload: LoginReadyEmailRequested) -> EmailRequest:
    """The welcome resend once a login exists: sign in, or ask for a reset; no token."""
    return EmailRequest(
        kind="login_ready",
        template="login_ready",
        recipient=payload.email,
        account_id=payload.account_id,
        studio_id=payload.studio_id,
        context={
            "given_name": payload.given_name,
            "studio_name": payload.studio_name,
            "username": payload.username,
            "reset_request_page": payload.reset_request_page,
        },
    )


@email_requested_by.register
def _(payload: EmailVerificationRequested) -> EmailRequest:
    return EmailRequest(
        kind="email_verification",
        template="email_verification",
        recipient=payload.email,
        account_id=payload.account_id,
        studio_id=None,
        context={
            "purpose": payload.purpose,
            "expires_at": payload.expires_at.isoformat(),
            "link_page": _link_page(payload),
        },
        secrets={"token": payload.link_token, "code": payload.code},
        expires_at=payload.expires_at,
    )


@email_requested_by.register
def _(payload: SignupAttemptedForExistingLogin) -> EmailRequest:
    return EmailRequest(
        kind="signup_attempt_existing_login",
        template="signup_attempt_existing_login",
        recipient=payload.email,
        account_id=payload.account_id,
        studio_id=None,
        context={},
    )


@email_requested_by.register
def _(payload: PasswordResetRequested) -> EmailRequest:
    return EmailRequest(
        kind="password_reset",
        template="password_reset",
        recipient=payload.email,
        account_id=payload.account_id,
        studio_id=payload.studio_id,
        context={
            "requested_by": payload.requested_by,
            "studio_name": payload.studio_name,
            "expires_at": payload.expires_at.isoformat(),
            "link_page": _link_page(payload),
        },
        secrets={"token": payload.reset_token},
        expires_at=payload.expires_at,
        supersedes=payload.supersedes,
    )


@email_requested_by.register
def _(payload: PasswordChanged) -> EmailRequest:
    return EmailRequest(
        kind="password_changed",
        template="password_changed",
        recipient=payload.email,
        account_id=payload.account_id,
        studio_id=None,
        context={"via": payload.via},
    )


@email_requested_by.register
def _(payload: AccountsMerged) -> EmailRequest | None:
    if payload.email is None:
        return None  # identity knows no address for the owner: nobody to tell
    return EmailRequest(
        kind="accounts_merged",
        template="accounts_merged",
        recipient=payload.email,
        account_id=payload.account_id,
        studio_id=payload.studio_id,
        context={"merged_count": len(payload.merged_account_ids)},
    )


EMAIL_EVENTS: tuple[type[EventPayload], ...] = tuple(
    payload for payload in email_requested_by.registry if payload is not object
)
"""The event types that may ask for an email: the only ones notifications handles."""
