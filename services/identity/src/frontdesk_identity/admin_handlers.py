"""The admin-facing use cases, reached through the upstream gateway.

Every one checks that the admin administers the studio, refuses other studios' clients
exactly as it refuses unknown ones, and writes an audit row with the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import uuid4

from frontdesk_contracts import AccountCreatedByAdmin, WelcomeEmailRequested, new_event

from .adapters.crypto import AdminAssertion
from .adapters.unit_of_work import Transaction
from .deps import Deps
from .domain.accounts import Account
from .domain.commands import CreateClient, ResendWelcome
from .domain.errors import AlreadyExists, ClientNotFound, IdentityError, NoLoginYet
from .handlers import send_reset_link
from .links import issue_link


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
        link = await issue_link(deps, tx, account.id, "create_login", cmd.email)
        await deps.email_allowed(
            tx, "create_login", email=cmd.email, studio=cmd.studio_id
        )  # counts it only
        event = AccountCreatedByAdmin(
            account_id=account.id,
            studio_id=cmd.studio_id,
            studio_name=admin.studio_name(cmd.studio_id),
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
    """Resend the create-login email to a known address of a client who never logged in."""
    _check_studio(admin, cmd.studio_id)
    async with deps.db.transaction() as tx:
        account = await _client(tx, cmd.studio_id, cmd.account_id, lock=True)
        email = account.check_welcome_resend(cmd.email)
        outcome = "quota_exceeded"
        if await deps.email_allowed(tx, "create_login", email=email, studio=cmd.studio_id):
            await _send_welcome(deps, tx, admin, account, email, cmd.studio_id)
            outcome = "done"
        await tx.audit.record(admin.admin_id, "resend_welcome", cmd.studio_id, account.id, outcome)


async def _send_welcome(
    deps: Deps,
    tx: Transaction,
    admin: AdminAssertion,
    account: Account,
    email: str,
    studio_id: str,
) -> None:
    link = await issue_link(deps, tx, account.id, "create_login", email)
    event = WelcomeEmailRequested(
        account_id=account.id,
        studio_id=studio_id,
        studio_name=admin.studio_name(studio_id),
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


async def send_password_reset(
    deps: Deps, admin: AdminAssertion, studio_id: str, account_id: str
) -> None:
    """Send a reset link to a client of the admin's studio who has a login."""
    _check_studio(admin, studio_id)
    async with deps.db.transaction() as tx:
        account = await _client(tx, studio_id, account_id, lock=True)
        email = account.primary_email
        if email is None or not account.has_login:
            raise NoLoginYet("this client has no login yet; resend the welcome email instead")
        outcome = "quota_exceeded"
        if await deps.email_allowed(tx, "password_reset", email=email, studio=studio_id):
            studio = (studio_id, admin.studio_name(studio_id))
            await send_reset_link(deps, tx, account, email, admin.admin_id, studio)
            outcome = "done"
        await tx.audit.record(admin.admin_id, "password_reset", studio_id, account.id, outcome)


async def access_view(
    deps: Deps, admin: AdminAssertion, studio_id: str, account_id: str
) -> AccessView:
    """The client's addresses, logins and last emails, for the admin's client page."""
    _check_studio(admin, studio_id)
    async with deps.db.transaction() as tx:
        account = await _client(tx, studio_id, account_id, lock=False)
        merged_into = account.id if account.id != account_id else None
        emails = [EmailState(**dict(row)) for row in await tx.deliveries.latest(account.id)]
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
        last_emails=emails,
    )
