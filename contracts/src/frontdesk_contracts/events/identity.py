"""Events published by identity on ``frontdesk.identity.v1``, keyed by account id.

Identity owns accounts, emails, usernames, credentials, one-time tokens and sessions.
Every event here concerns one account (the envelope subject, the record key), so all
of an account's events reach consumers in order. Link tokens and codes are sealed to
the notifications service's public key; no plaintext secret is ever a field.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from frontdesk_contracts.events.base import (
    EmailAddress,
    EventPayload,
    Identifier,
    PersonName,
    StudioName,
    Username,
    UtcDateTime,
)
from frontdesk_contracts.sealing import SealedSecret

CREATE_LOGIN_LINK_LIFETIME = timedelta(days=7)
"""Default lifetime of a "Create your login" link (admin-created account, welcome resend)."""
PASSWORD_RESET_LINK_LIFETIME = timedelta(hours=1)
"""Default lifetime of a password-reset link."""
EMAIL_VERIFICATION_LIFETIME = timedelta(minutes=15)
"""Default lifetime of an email-verification link and its short code."""

MAX_EMAILS_PER_CLIENT = 5


class IdentityEvent(EventPayload):
    """Base of identity's events: source ``identity``, subject the account id."""

    source = "identity"
    subject_field = "account_id"

    account_id: Identifier = Field(description="The account this event concerns.")


class AccountImported(IdentityEvent):
    """An account without a login was created for an imported client record.

    Emitted by identity for each client of a ClientImported or ClientsImportedBatch
    event. Consumed by client-registry, which files the studio's client record. No
    email is sent on import, so notifications ignores it.
    """

    event_type = "AccountImported"
    event_version = 1
    studio_field = "studio_id"

    studio_id: Identifier
    external_client_id: Identifier = Field(description="The importing system's client id.")
    given_name: PersonName
    family_name: PersonName | None = None
    emails: list[EmailAddress] = Field(default_factory=list, max_length=MAX_EMAILS_PER_CLIENT)
    phone: str | None = Field(default=None, min_length=3, max_length=32)


class AccountCreatedByAdmin(IdentityEvent):
    """An admin created a client in their studio; a "Create your login" email is due.

    Emitted by identity when the gateway's admin call creates the account. Consumed by
    notifications (sends the email with the link built from `create_login_token`) and
    by client-registry (files the studio's client record).
    """

    event_type = "AccountCreatedByAdmin"
    event_version = 1
    studio_field = "studio_id"

    studio_id: Identifier
    studio_name: StudioName
    admin_id: Identifier = Field(description="The admin who created the client.")
    email: EmailAddress = Field(description="Where the create-login email goes.")
    given_name: PersonName
    family_name: PersonName | None = None
    create_login_token: SealedSecret = Field(description="The link's token, sealed.")
    expires_at: UtcDateTime = Field(description="When the link stops working (7 days).")
    link_page: str | None = Field(
        default=None,
        max_length=2000,
        description="The public page the token opens; the email's link is this URL with "
        "'?token=' and the opened token appended.",
    )


class WelcomeEmailRequested(IdentityEvent):
    """An admin resent the welcome email of a client who has never logged in.

    Emitted by identity; the new link supersedes every earlier create-login link of the
    account, which no longer works. Consumed by notifications, which sends the email to
    the address the admin picked.
    """

    event_type = "WelcomeEmailRequested"
    event_version = 1
    studio_field = "studio_id"

    studio_id: Identifier
    studio_name: StudioName
    admin_id: Identifier = Field(description="The admin who asked for the resend.")
    email: EmailAddress = Field(description="The known address the admin chose.")
    given_name: PersonName
    family_name: PersonName | None = None
    create_login_token: SealedSecret
    expires_at: UtcDateTime
    link_page: str | None = Field(
        default=None,
        max_length=2000,
        description="The public page the token opens; the email's link is this URL with "
        "'?token=' and the opened token appended.",
    )
    supersedes: UUID | None = Field(
        default=None, description="Id of the event whose link this one replaces."
    )


class LoginReadyEmailRequested(IdentityEvent):
    """An admin resent the welcome of a client who already created a login but never
    signed in with it.

    Emitted by identity instead of WelcomeEmailRequested once a login exists: it carries
    no token, because no link may set credentials after a login exists. Consumed by
    notifications, which sends a "your login is ready: sign in, or reset your password"
    email to the address the admin picked, linking to the two pages named here.
    """

    event_type = "LoginReadyEmailRequested"
    event_version = 1
    studio_field = "studio_id"

    studio_id: Identifier
    studio_name: StudioName
    admin_id: Identifier = Field(description="The admin who asked for the resend.")
    email: EmailAddress = Field(description="The known address the admin chose.")
    given_name: PersonName
    family_name: PersonName | None = None
    username: Username = Field(description="The username the client chose.")
    sign_in_page: str = Field(max_length=2000, description="The public sign-in page.")
    reset_request_page: str = Field(
        max_length=2000, description="The public page where a reset link is asked for."
    )


class CreateLoginLinkRequested(IdentityEvent):
    """A client asked for a new create-login link from an expired or superseded one's page.

    Emitted by identity when the account still has no login; the new link supersedes
    every earlier create-login link of the account, which no longer works. No admin
    asked, so there is no admin id. Consumed by notifications, which sends the same
    "Create your login" email as for AccountCreatedByAdmin, to the address the old link
    went to.
    """

    event_type = "CreateLoginLinkRequested"
    event_version = 1
    studio_field = "studio_id"

    studio_id: Identifier = Field(description="The studio that created the account.")
    studio_name: StudioName | None = Field(
        default=None, description="The studio's display name, when identity knows it."
    )
    email: EmailAddress = Field(description="The address the old link was sent to.")
    given_name: PersonName
    family_name: PersonName | None = None
    create_login_token: SealedSecret = Field(description="The new link's token, sealed.")
    expires_at: UtcDateTime = Field(description="When the new link stops working (7 days).")
    link_page: str | None = Field(
        default=None,
        max_length=2000,
        description="The public page the token opens; the email's link is this URL with "
        "'?token=' and the opened token appended.",
    )
    supersedes: UUID | None = Field(
        default=None, description="Id of the event whose link this one replaces."
    )


class LoginCreated(IdentityEvent):
    """A client chose a username and password through their create-login link.

    Emitted by identity when the create-login form is submitted and the token spent.
    No Frontdesk service acts on it (client-registry's lists show a login from
    FirstLogin); it keeps the history.
    """

    event_type = "LoginCreated"
    event_version = 1
    studio_field = "studio_id"

    studio_id: Identifier | None = None
    username: Username
    email: EmailAddress = Field(description="The address the link was sent to.")


class EmailVerificationRequested(IdentityEvent):
    """An app user must prove they own an email address (signup, merge proof).

    Emitted by identity. Consumed by notifications, which sends one email holding the
    link and the short code for the app; both die at `expires_at` (15 minutes).
    """

    event_type = "EmailVerificationRequested"
    event_version = 1

    email: EmailAddress
    purpose: Literal["signup", "merge_proof"]
    link_token: SealedSecret
    code: SealedSecret = Field(description="The short code, sealed.")
    expires_at: UtcDateTime
    link_page: str | None = Field(
        default=None,
        max_length=2000,
        description="The public page the token opens; the email's link is this URL with "
        "'?token=' and the opened token appended.",
    )


class SignupCompleted(IdentityEvent):
    """A client created an account in the app and verified its email address.

    Emitted by identity. Consumed by client-registry, which keeps the address as proven
    to be the account's: a client confirms a merge proposal for it on that proof (the
    access token carries no email).
    """

    event_type = "SignupCompleted"
    event_version = 1

    username: Username
    email: EmailAddress = Field(description="The verified address.")


class AccountMatch(BaseModel):
    """An existing account, in one studio, whose email matches a verified signup."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    account_id: Identifier
    studio_id: Identifier


class SignupMatchedExisting(IdentityEvent):
    """A verified signup's address matches accounts that studios created or imported.

    Emitted by identity after the email verification. Consumed by client-registry, which
    proposes to merge those records into the new account (MergeProposed).
    """

    event_type = "SignupMatchedExisting"
    event_version = 1

    email: EmailAddress = Field(description="The verified address that matched.")
    matches: list[AccountMatch] = Field(min_length=1, max_length=100)


class SignupAttemptedForExistingLogin(IdentityEvent):
    """Someone tried to sign up with an address that already belongs to a login.

    Emitted by identity for the account that owns the address (the signup caller gets
    the same answer as any other). Consumed by notifications, which tells the owner.
    """

    event_type = "SignupAttemptedForExistingLogin"
    event_version = 1

    email: EmailAddress


class PasswordResetRequested(IdentityEvent):
    """A password reset was requested, by the client or by an admin of their studio.

    Emitted by identity; the link works once until `expires_at` (1 hour) and supersedes
    earlier reset links. Consumed by notifications, which sends the reset email. The
    email carries a link, never a password.
    """

    event_type = "PasswordResetRequested"
    event_version = 1
    studio_field = "studio_id"

    email: EmailAddress = Field(description="Where the reset email goes.")
    requested_by: Literal["self", "admin"]
    admin_id: Identifier | None = Field(default=None, description="Set when an admin asked.")
    studio_id: Identifier | None = Field(default=None, description="The admin's studio.")
    studio_name: StudioName | None = Field(
        default=None, description="The admin's studio's name, for the email (admin resets)."
    )
    reset_token: SealedSecret
    expires_at: UtcDateTime
    link_page: str | None = Field(
        default=None,
        max_length=2000,
        description="The public page the token opens; the email's link is this URL with "
        "'?token=' and the opened token appended.",
    )
    supersedes: UUID | None = Field(
        default=None, description="Id of the event whose link this one replaces."
    )

    @model_validator(mode="after")
    def _admin_named_when_admin_asked(self) -> Self:
        if (self.requested_by == "admin") != (self.admin_id is not None):
            raise ValueError("admin_id is required when, and only when, requested_by is admin")
        return self


class PasswordChanged(IdentityEvent):
    """An account's password was changed; every earlier session has ended.

    Emitted by identity. Consumed by notifications, which sends the "your password was
    changed" notice to `email`.
    """

    event_type = "PasswordChanged"
    event_version = 1

    email: EmailAddress = Field(description="Where the notice goes.")
    via: Literal["reset_link", "settings"]


class FirstLogin(IdentityEvent):
    """An account logged in for the first time.

    Emitted by identity, which from now on refuses to resend the welcome email (a
    password reset is the way back in). Consumed by client-registry, whose client lists
    show that the client has logged in.
    """

    event_type = "FirstLogin"
    event_version = 1


class AccountsMerged(IdentityEvent):
    """Accounts were merged into `account_id`, which survives; the others are gone.

    Emitted by identity after acting on client-registry's ClientsMerged: the merged
    accounts' tokens and sessions are dead. Consumed by notifications, which tells the
    owner at `email`.
    """

    event_type = "AccountsMerged"
    event_version = 1
    studio_field = "studio_id"

    merged_account_ids: list[Identifier] = Field(min_length=1, max_length=100)
    studio_id: Identifier = Field(description="The studio whose record was merged.")
    proposal_id: Identifier
    email: EmailAddress | None = Field(default=None, description="Where the notice goes.")


class SessionsRevoked(IdentityEvent):
    """Every session and access token of an account issued before `revoked_before` ended.

    Emitted by identity on a password change, a merge (for the merged-away accounts) or
    an admin's action. Services that verify identity's access tokens themselves
    (client-registry) consume it to refuse tokens that have not expired yet.
    """

    event_type = "SessionsRevoked"
    event_version = 1

    reason: Literal["password_changed", "accounts_merged", "admin"]
    revoked_before: UtcDateTime
