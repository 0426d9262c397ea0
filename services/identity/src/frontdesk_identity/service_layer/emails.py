"""The emails identity asks notifications to send, and the quotas that hold them back:
the steps several use cases share."""

from __future__ import annotations

from typing import Any

from frontdesk_contracts import EmailVerificationRequested, PasswordResetRequested, new_event

from ..domain.accounts import Account
from ..domain.limits import Quota, QuotaState, Scope
from .deps import Deps
from .link_tokens import IssuedLink, issue_link
from .unit_of_work import UnitOfWork


async def email_allowed(
    deps: Deps,
    uow: UnitOfWork,
    kind: str,
    *,
    email: str,
    ip: str | None = None,
    studio: str | None = None,
) -> bool:
    """Whether one more email of `kind` fits every quota; counts it when it does.

    A refused email changes nothing an anonymous caller sees: the answer stays the same.
    """
    now, scopes = deps.clock(), deps.quotas.scopes(kind, email=email, ip=ip, studio=studio)
    for scope in scopes:
        window = scope.rule.window_seconds
        if not scope.rule.allows(await uow.rates.count(scope.kind, scope.key, now, window)):
            return False
    for scope in scopes:
        await uow.rates.record(scope.kind, scope.key, now)
    return True


async def admin_email_allowed(
    deps: Deps, uow: UnitOfWork, kind: str, *, email: str, studio: str
) -> None:
    """Count one email an admin's action causes, or raise `EmailQuotaSpent` (429, when
    to retry): a spent studio quota, or this address's quota of `kind`."""
    if await email_allowed(deps, uow, kind, email=email, studio=studio):
        return
    quotas = deps.quotas
    studio_state = await quota_state(deps, uow, quotas.studio(studio))
    address_state = await quota_state(deps, uow, quotas.address(kind, email))
    raise quotas.spent(studio_state, address_state, deps.clock())


async def quota_state(deps: Deps, uow: UnitOfWork, scope: Scope[Quota]) -> QuotaState:
    """How much of the quota in `scope` is left this window."""
    now, window = deps.clock(), scope.rule.window_seconds
    used = await uow.rates.count(scope.kind, scope.key, now, window)
    oldest = await uow.rates.first(scope.kind, scope.key, now, window)
    return scope.rule.state(used, oldest)


async def send_reset_link(
    deps: Deps,
    uow: UnitOfWork,
    account: Account,
    email: str,
    admin_id: str | None,
    studio: tuple[str, str | None] | None,
) -> None:
    """Issue a reset link superseding older ones, and ask for the email.

    `studio` is the admin's (id, name) when an admin asked, so the email can name it.
    """
    studio_id, studio_name = studio or (None, None)
    link = await issue_link(deps, uow, account.id, "password_reset", email)
    event = PasswordResetRequested(
        account_id=account.id,
        email=email,
        requested_by="admin" if admin_id else "self",
        admin_id=admin_id,
        studio_id=studio_id,
        studio_name=studio_name,
        reset_token=link.sealed_token,
        expires_at=link.expires_at,
        supersedes=link.supersedes,
        link_page=link.link_page,
    )
    await uow.publish(new_event(event, event_id=link.event_id))


async def send_verification(deps: Deps, uow: UnitOfWork, account_id: str, email: str) -> None:
    """Issue a verification link and code (superseding older ones) and ask for the email."""
    link = await issue_link(deps, uow, account_id, "email_verification", email)
    assert link.sealed_code is not None
    event = EmailVerificationRequested(
        account_id=account_id,
        email=email,
        purpose="signup",
        link_token=link.sealed_token,
        code=link.sealed_code,
        expires_at=link.expires_at,
        link_page=link.link_page,
    )
    await uow.publish(new_event(event, event_id=link.event_id))


def create_login_email(account: Account, email: str, link: IssuedLink) -> dict[str, Any]:
    """What every create-login email event says (AccountCreatedByAdmin,
    WelcomeEmailRequested, CreateLoginLinkRequested): whose link, where it goes, the link."""
    return {
        "account_id": account.id,
        "email": email,
        "given_name": account.given_name,
        "family_name": account.family_name,
        "create_login_token": link.sealed_token,
        "expires_at": link.expires_at,
        "link_page": link.link_page,
    }
