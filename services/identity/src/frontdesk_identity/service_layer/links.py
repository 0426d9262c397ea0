"""What the create-login and password-reset links do: set credentials once, or send a
new link from a dead one's page (forgot password, create-login again)."""

from __future__ import annotations

from frontdesk_contracts import CreateLoginLinkRequested, LoginCreated, PasswordChanged, new_event

from ..domain.accounts import Account, check_username, looks_like_email
from ..domain.commands import CompleteReset, CreateLogin, RequestPasswordReset
from ..domain.errors import LinkNotUsable, UsernameTaken
from ..domain.tokens import RENEWABLE, LinkState
from .deferred import Deferred, answer_in_uniform_time
from .deps import Deps
from .emails import create_login_email, email_allowed, send_reset_link
from .link_tokens import issue_link, usable_token
from .sessions import end_everything, find_login
from .unit_of_work import UnitOfWork


async def request_password_reset(deps: Deps, cmd: RequestPasswordReset) -> None:
    """Send a reset link if the login exists; same answer, same time, either way (the
    work is done after the answer)."""
    await answer_in_uniform_time(deps, RESET_IF_KNOWN, cmd)


async def _reset_if_known(deps: Deps, uow: UnitOfWork, cmd: RequestPasswordReset) -> None:
    found = await find_login(uow, cmd.login)
    # The account's row is locked before the quota's lock, in the order an admin's reset
    # takes them: the other order deadlocked against it (the new token's foreign key
    # waits for the row the admin holds, the admin for the quota lock held here).
    account = found and await uow.accounts.get(found.id, lock=True)
    typed = cmd.login if looks_like_email(cmd.login) else None
    email = account.credential_address(typed) if account and account.has_login else None
    if account is None or email is None:
        return
    if await email_allowed(deps, uow, "password_reset", email=email, ip=cmd.ip):
        await send_reset_link(deps, uow, account, email, admin_id=None, studio=None)


RESET_IF_KNOWN = Deferred("password_reset", RequestPasswordReset, _reset_if_known)


async def complete_reset(deps: Deps, cmd: CompleteReset) -> None:
    """Spend the reset token, set the password, end every session and link; tell the owner."""
    new_hash = await deps.hasher.hash(deps.policy.check(cmd.password))
    async with deps.db.transaction() as uow:
        token = await usable_token(deps, uow, cmd.token, "password_reset", lock=True)
        account = await uow.accounts.get(token.account_id, lock=True)
        assert account is not None  # tokens reference their account
        await uow.tokens.spend(token.id, deps.clock())
        account.password_hash = new_hash
        await uow.accounts.save(account)
        await uow.accounts.mark_proven(account.id, token.email, deps.clock())
        await end_everything(deps, uow, [account.id], "password_changed")
        notice = PasswordChanged(account_id=account.id, email=token.email, via="reset_link")
        await uow.publish(new_event(notice))


async def create_login(deps: Deps, cmd: CreateLogin) -> None:
    """Spend the create-login token, set username and password (then the client logs in)."""
    new_hash = await deps.hasher.hash(deps.policy.check(cmd.password))
    async with deps.db.transaction() as uow:
        token = await usable_token(deps, uow, cmd.token, "create_login", lock=True)
        account = await uow.accounts.get(token.account_id, lock=True)
        assert account is not None
        if account.has_login:
            # Once a login exists no create-login link sets credentials, whenever it was
            # issued; the row lock makes two submits of two live links wait for each other.
            raise LinkNotUsable("this link is used", LinkState.USED.value)
        username = check_username(cmd.username)
        if await uow.accounts.username_taken(username, account.id):
            raise UsernameTaken("choose another username")
        await uow.tokens.spend(token.id, deps.clock())
        account.username, account.password_hash = username, new_hash
        await uow.accounts.save(account)
        await uow.tokens.end_all([account.id], deps.clock(), "superseded")
        await uow.accounts.mark_proven(account.id, token.email, deps.clock())
        event = LoginCreated(
            account_id=account.id, studio_id=account.studio_id, username=username, email=token.email
        )
        await uow.publish(new_event(event))


async def request_create_login_again(deps: Deps, old_token: str, ip: str) -> None:
    """From an expired or superseded create-login link's page: send a new link if the
    account still has no login. Anything else sends nothing (the page says the same)."""
    async with deps.db.transaction() as uow:
        token = await uow.tokens.find(deps.digester.digest(old_token), "create_login")
        if token is None or token.state(deps.clock()) not in RENEWABLE:
            return
        account = await uow.accounts.get(token.account_id, lock=True)
        if account is None or not account.awaits_login:
            return
        studio = account.studio_id
        if await email_allowed(deps, uow, "create_login", email=token.email, ip=ip, studio=studio):
            await _send_create_login_again(deps, uow, account, token.email)


async def _send_create_login_again(
    deps: Deps, uow: UnitOfWork, account: Account, email: str
) -> None:
    assert account.studio_id is not None  # awaits_login
    link = await issue_link(deps, uow, account.id, "create_login", email)
    name = await uow.studios.name(account.studio_id)
    event = CreateLoginLinkRequested(
        **create_login_email(account, email, link),
        studio_id=account.studio_id,
        studio_name=name,
        supersedes=link.supersedes,
    )
    await uow.publish(new_event(event, event_id=link.event_id))
