"""The admin-facing use cases, reached through the upstream gateway.

Every one checks that the admin administers the studio, refuses other studios' clients
exactly as it refuses unknown ones, and leaves an audit entry, refused ones included.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
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
from frontdesk_kit.gateway import AdminAssertion

from ..domain.accounts import Account
from ..domain.audit import AuditEntry
from ..domain.commands import CreateClient, ResendWelcome
from ..domain.deliveries import EmailState
from ..domain.errors import AlreadyExists, ClientNotFound, IdentityError, NoLoginYet
from ..domain.limits import QuotaState
from .deps import Deps
from .emails import admin_email_allowed, create_login_email, quota_state, send_reset_link
from .link_tokens import RESET_REQUEST_PAGE, SIGN_IN_PAGE, issue_link
from .unit_of_work import UnitOfWork


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
    resend_welcome_allowed: bool
    resend_sends: Literal["create_login", "login_ready"] | None
    email_quota: QuotaState
    last_emails: list[EmailState]


@contextlib.asynccontextmanager
async def _audited(deps: Deps, entry: AuditEntry) -> AsyncIterator[None]:
    """Audit a refusal of the block in its own unit of work (the refused one rolled back)."""
    try:
        yield
    except IdentityError as error:
        async with deps.db.transaction() as uow:
            await uow.audit.record(entry.refused(error))
        raise


def _check_studio(admin: AdminAssertion, studio_id: str) -> None:
    if not admin.administers(studio_id):
        # The same answer as for an unknown client: nothing about other studios leaks.
        raise ClientNotFound("no such client in your studios")


async def _client(
    uow: UnitOfWork, admin: AdminAssertion, studio_id: str, account_id: str, *, lock: bool
) -> Account:
    _check_studio(admin, studio_id)
    account = await uow.accounts.get(account_id, lock=lock)
    if account is None or account.studio_id != studio_id:
        raise ClientNotFound("no such client in your studios")
    if account.merged_into is not None:  # an alias: the studio's client is now the survivor
        survivor = await uow.accounts.get(account.merged_into, lock=lock)
        assert survivor is not None
        return survivor
    return account


async def _studio_name(uow: UnitOfWork, admin: AdminAssertion, studio_id: str) -> str:
    """The studio's name: the assertion's (remembered), else the last known, else its id."""
    given = admin.studio_names.get(studio_id)
    if given:
        await uow.studios.remember(studio_id, given)
        return given
    return await uow.studios.name(studio_id) or studio_id


async def create_client(deps: Deps, admin: AdminAssertion, cmd: CreateClient) -> str:
    """Create the client's account and send the create-your-login email at once."""
    audit = AuditEntry(admin.admin_id, "create_client", cmd.studio_id, None)
    account = Account(
        id=str(uuid4()),
        origin="admin",
        studio_id=cmd.studio_id,
        external_client_id=cmd.external_client_id,
        given_name=cmd.given_name,
        family_name=cmd.family_name,
        emails=[cmd.email],
    )
    async with _audited(deps, audit), deps.db.transaction() as uow:
        _check_studio(admin, cmd.studio_id)
        if not await uow.accounts.add(account):
            raise AlreadyExists("this studio already has a client with that external id")
        name = await _studio_name(uow, admin, cmd.studio_id)
        # Counted like every email the studio causes; a spent quota refuses the create.
        await admin_email_allowed(deps, uow, "create_login", email=cmd.email, studio=cmd.studio_id)
        link = await issue_link(deps, uow, account.id, "create_login", cmd.email)
        event = AccountCreatedByAdmin(
            **create_login_email(account, cmd.email, link),
            studio_id=cmd.studio_id,
            studio_name=name,
            admin_id=admin.admin_id,
        )
        await uow.publish(new_event(event, event_id=link.event_id))
        await uow.audit.record(audit.done(account.id))
    return account.id


async def resend_welcome(deps: Deps, admin: AdminAssertion, cmd: ResendWelcome) -> None:
    """Resend the welcome to a known address of a client who never logged in: the
    create-login link while there is no login, else "your login is ready" (no link that
    sets credentials)."""
    audit = AuditEntry(admin.admin_id, "resend_welcome", cmd.studio_id, cmd.account_id)
    async with _audited(deps, audit), deps.db.transaction() as uow:
        account = await _client(uow, admin, cmd.studio_id, cmd.account_id, lock=True)
        email = account.check_welcome_resend(cmd.email)
        studio = (cmd.studio_id, await _studio_name(uow, admin, cmd.studio_id))
        kind = account.resend_sends or "create_login"
        await admin_email_allowed(deps, uow, kind, email=email, studio=cmd.studio_id)
        if kind == "login_ready":
            await uow.publish(new_event(_login_ready(deps, admin, account, email, studio)))
        else:
            await _send_welcome(deps, uow, admin, account, email, studio)
        await uow.audit.record(audit.done(account.id))


async def _send_welcome(
    deps: Deps,
    uow: UnitOfWork,
    admin: AdminAssertion,
    account: Account,
    email: str,
    studio: tuple[str, str],
) -> None:
    link = await issue_link(deps, uow, account.id, "create_login", email)
    event = WelcomeEmailRequested(
        **create_login_email(account, email, link),
        studio_id=studio[0],
        studio_name=studio[1],
        admin_id=admin.admin_id,
        supersedes=link.supersedes,
    )
    await uow.publish(new_event(event, event_id=link.event_id))


def _login_ready(
    deps: Deps, admin: AdminAssertion, account: Account, email: str, studio: tuple[str, str]
) -> LoginReadyEmailRequested:
    assert account.username is not None  # has_login
    return LoginReadyEmailRequested(
        account_id=account.id,
        studio_id=studio[0],
        studio_name=studio[1],
        admin_id=admin.admin_id,
        email=email,
        given_name=account.given_name,
        family_name=account.family_name,
        username=account.username,
        sign_in_page=deps.page_url(SIGN_IN_PAGE),
        reset_request_page=deps.page_url(RESET_REQUEST_PAGE),
    )


async def send_password_reset(
    deps: Deps, admin: AdminAssertion, studio_id: str, account_id: str
) -> None:
    """Send a reset link to a client of the admin's studio who has a login."""
    audit = AuditEntry(admin.admin_id, "password_reset", studio_id, account_id)
    async with _audited(deps, audit), deps.db.transaction() as uow:
        account = await _client(uow, admin, studio_id, account_id, lock=True)
        email = account.credential_address(None)
        if email is None or not account.has_login:
            raise NoLoginYet("this client has no login yet; resend the welcome email instead")
        name = await _studio_name(uow, admin, studio_id)
        await admin_email_allowed(deps, uow, "password_reset", email=email, studio=studio_id)
        await send_reset_link(deps, uow, account, email, admin.admin_id, (studio_id, name))
        await uow.audit.record(audit.done(account.id))


async def access_view(
    deps: Deps, admin: AdminAssertion, studio_id: str, account_id: str
) -> AccessView:
    """The client's addresses, logins and last emails, for the admin's client page."""
    audit = AuditEntry(admin.admin_id, "access_view", studio_id, account_id)
    async with _audited(deps, audit), deps.db.transaction() as uow:
        account = await _client(uow, admin, studio_id, account_id, lock=False)
        emails = await uow.deliveries.latest(account.id)
        quota = await quota_state(deps, uow, deps.quotas.studio(studio_id))
        await uow.audit.record(audit.done(account.id))
    return AccessView(
        account_id=account_id,
        studio_id=studio_id,
        merged_into=account.id if account.id != account_id else None,
        emails=account.emails,
        has_login=account.has_login,
        ever_logged_in=account.ever_logged_in,
        last_login_at=account.last_login_at,
        resend_welcome_allowed=account.may_resend_welcome,
        resend_sends=account.resend_sends,
        email_quota=quota,
        last_emails=emails,
    )
