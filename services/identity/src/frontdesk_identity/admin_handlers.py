"""The admin-facing use cases, reached through the upstream gateway.

Every one checks that the admin administers the studio, refuses other studios' clients
exactly as it refuses unknown ones, and writes an audit row with the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import uuid4

from frontdesk_contracts import (
    AccountCreatedByAdmin,
    LoginReadyEmailRequested,
    WelcomeEmailRequested,
    new_event,
)

from .adapters.crypto import AdminAssertion
from .adapters.unit_of_work import Transaction
from .deps import Deps, StudioQuota, admin_email_allowed, studio_name, studio_quota
from .domain.accounts import Account
from .domain.commands import CreateClient, ResendWelcome
from .domain.errors import AlreadyExists, ClientNotFound, IdentityError, NoLoginYet
from .handlers import send_reset_link
from .links import PAGES, issue_link


@dataclass(frozen=True)
class EmailState:
    """What notifications last said about one email."""

    message_id: str
    kind: str
    recipient: str
    state: str
    detail: str | None
    at: datetime


@dataclass(frozen=True)
class AccessView:
    """What an admin sees about a client's access to the app."""

    account_id: str
    studio_id: str
    merged_into: str | None
    emails: list[str]
    has_login: bool
    ever_logged_in: bool
    last_login_at: datetime | None
    may_resend_welcome: bool
    resend_sends: Literal["create_login", "login_ready"] | None
    email_quota: StudioQuota
    last_emails: list[EmailState]


def _check_studio(admin: AdminAssertion, studio_id: str) -> None:
    if not admin.administers(studio_id):
        # The same answer as for an unknown client: nothing about other studios leaks.
        raise ClientNotFound("no such client in your studios")


async def _client(tx: Transaction, studio_id: str, account_id: str, *, lock: bool) -> Account:
    account = await tx.accounts.get(account_id, lock=lock)
    if account is None or account.studio_id != studio_id:
        raise ClientNotFound("no such client in your studios")
    if account.merged_into is not None:  # an alias: the studio's client is now the survivor
        survivor = await tx.accounts.get(account.merged_into, lock=lock)
        assert survivor is not None
        return survivor
    return account


async def audit_refusal(
    deps: Deps,
    admin: AdminAssertion,
    action: str,
    studio_id: str,
    account_id: str | None,
    error: IdentityError,
) -> None:
    """Audit a refused admin action in its own transaction (the refused one rolled back)."""
    async with deps.db.transaction() as tx:
        outcome = f"refused: {error.kind}"
        await tx.audit.record(admin.admin_id, action, studio_id, account_id, outcome)


async def create_client(deps: Deps, admin: AdminAssertion, cmd: CreateClient) -> str:
    """Create the client's account and send the create-your-login email at once."""
    _check_studio(admin, cmd.studio_id)
    account = Account(
        id=str(uuid4()),
        origin="admin",
        studio_id=cmd.studio_id,
        external_client_id=cmd.external_client_id,
        given_name=cmd.given_name,
        family_name=cmd.family_name,
        emails=[cmd.email],
    )
    async with deps.db.transaction() as tx:
        if not await tx.accounts.add(account):
            raise AlreadyExists("this studio already has a client with that external id")
        name = await studio_name(deps, tx, cmd.studio_id, admin.studio_names.get(cmd.studio_id))
        # Counted like every email the studio causes; a spent quota refuses the create.
        await admin_email_allowed(deps, tx, "create_login", email=cmd.email, studio=cmd.studio_id)
        link = await issue_link(deps, tx, account.id, "create_login", cmd.email)
        event = AccountCreatedByAdmin(
            account_id=account.id,
            studio_id=cmd.studio_id,
            studio_name=name,
            admin_id=admin.admin_id,
            email=cmd.email,
            given_name=cmd.given_name,
            family_name=cmd.family_name,
            create_login_token=link.sealed_token,
            expires_at=link.expires_at,
            link_page=link.link_page,
        )
        await tx.publish(new_event(event, event_id=link.event_id))
        await tx.audit.record(admin.admin_id, "create_client", cmd.studio_id, account.id, "done")
    return account.id


async def resend_welcome(deps: Deps, admin: AdminAssertion, cmd: ResendWelcome) -> None:
    """Resend the welcome to a known address of a client who never logged in: the
    create-login link while there is no login, else "your login is ready" (no link that
    sets credentials)."""
    _check_studio(admin, cmd.studio_id)
    async with deps.db.transaction() as tx:
        account = await _client(tx, cmd.studio_id, cmd.account_id, lock=True)
        email = account.check_welcome_resend(cmd.email)
        name = await studio_name(deps, tx, cmd.studio_id, admin.studio_names.get(cmd.studio_id))
        kind = account.resend_sends or "create_login"
        await admin_email_allowed(deps, tx, kind, email=email, studio=cmd.studio_id)
        if kind == "login_ready":
            await _send_login_ready(deps, tx, admin, account, email, (cmd.studio_id, name))
        else:
            await _send_welcome(deps, tx, admin, account, email, (cmd.studio_id, name))
        await tx.audit.record(admin.admin_id, "resend_welcome", cmd.studio_id, account.id, "done")


async def _send_welcome(
    deps: Deps,
    tx: Transaction,
    admin: AdminAssertion,
    account: Account,
    email: str,
    studio: tuple[str, str],
) -> None:
    studio_id, name = studio
    link = await issue_link(deps, tx, account.id, "create_login", email)
    event = WelcomeEmailRequested(
        account_id=account.id,
        studio_id=studio_id,
        studio_name=name,
        admin_id=admin.admin_id,
        email=email,
        given_name=account.given_name,
        family_name=account.family_name,
        create_login_token=link.sealed_token,
        expires_at=link.expires_at,
        supersedes=link.supersedes,
        link_page=link.link_page,
    )
    await tx.publish(new_event(event, event_id=link.event_id))


async def _send_login_ready(
    deps: Deps,
    tx: Transaction,
    admin: AdminAssertion,
    account: Account,
    email: str,
    studio: tuple[str, str],
) -> None:
    assert account.username is not None  # has_login
    event = LoginReadyEmailRequested(
        account_id=account.id,
        studio_id=studio[0],
        studio_name=studio[1],
        admin_id=admin.admin_id,
        email=email,
        given_name=account.given_name,
        family_name=account.family_name,
        username=account.username,
        sign_in_page=deps.page_url("/links/sign-in"),
        reset_request_page=deps.page_url(f"{PAGES['password_reset']}/new"),
    )
    await tx.publish(new_event(event))


async def send_password_reset(
    deps: Deps, admin: AdminAssertion, studio_id: str, account_id: str
) -> None:
    """Send a reset link to a client of the admin's studio who has a login."""
    _check_studio(admin, studio_id)
    async with deps.db.transaction() as tx:
        account = await _client(tx, studio_id, account_id, lock=True)
        email = account.credential_address(None)
        if email is None or not account.has_login:
            raise NoLoginYet("this client has no login yet; resend the welcome email instead")
        name = await studio_name(deps, tx, studio_id, admin.studio_names.get(studio_id))
        await admin_email_allowed(deps, tx, "password_reset", email=email, studio=studio_id)
        await send_reset_link(deps, tx, account, email, admin.admin_id, (studio_id, name))
        await tx.audit.record(admin.admin_id, "password_reset", studio_id, account.id, "done")


async def access_view(
    deps: Deps, admin: AdminAssertion, studio_id: str, account_id: str
) -> AccessView:
    """The client's addresses, logins and last emails, for the admin's client page."""
    _check_studio(admin, studio_id)
    async with deps.db.transaction() as tx:
        account = await _client(tx, studio_id, account_id, lock=False)
        merged_into = account.id if account.id != account_id else None
        emails = [EmailState(**dict(row)) for row in await tx.deliveries.latest(account.id)]
        quota = await studio_quota(deps, tx, studio_id)
        await tx.audit.record(admin.admin_id, "access_view", studio_id, account.id, "done")
    return AccessView(
        account_id=account_id,
        studio_id=studio_id,
        merged_into=merged_into,
        emails=account.emails,
        has_login=account.has_login,
        ever_logged_in=account.ever_logged_in,
        last_login_at=account.last_login_at,
        may_resend_welcome=account.may_resend_welcome,
        resend_sends=account.resend_sends,
        email_quota=quota,
        last_emails=emails,
    )
