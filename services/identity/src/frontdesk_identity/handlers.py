"""The app-facing use cases: log in, sessions, password reset, create login, sign up.

Each opens a transaction, loads, asks the domain, records, queues events, commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal
from uuid import UUID, uuid4

from frontdesk_contracts import (
    CreateLoginLinkRequested,
    Envelope,
    FirstLogin,
    LoginCreated,
    PasswordChanged,
    PasswordResetRequested,
    SessionsRevoked,
    new_event,
)

from .adapters.crypto import AccessClaims
from .adapters.unit_of_work import Transaction
from .deps import Deps, in_uniform_time
from .domain.accounts import Account, looks_like_email
from .domain.commands import CompleteReset, CreateLogin, LogIn, RequestPasswordReset
from .domain.errors import (
    InvalidCredentials,
    LinkNotUsable,
    NotAuthenticated,
    TooManyAttempts,
    UsernameTaken,
)
from .domain.limits import LoginThrottle
from .domain.tokens import RENEWABLE, LinkState, new_token
from .links import issue_link, usable_token


@dataclass(frozen=True)
class TokenPair:
    """What a successful login or refresh answers."""

    access_token: str
    refresh_token: str
    expires_in: int


async def find_login(tx: Transaction, login: str) -> Account | None:
    """The account a username or an address names (addresses case-insensitively)."""
    if looks_like_email(login):
        return next((a for a in await tx.accounts.by_email(login) if a.has_login), None)
    return await tx.accounts.by_username(login)


async def start_session(deps: Deps, tx: Transaction, account: Account) -> TokenPair:
    """Record a login (FirstLogin the first time) and open a session with its tokens."""
    now = deps.clock()
    if account.record_login(now):
        await tx.publish(new_event(FirstLogin(account_id=account.id)))
    await tx.accounts.save(account)
    session_id = uuid4()
    await tx.sessions.start(session_id, account.id, now)
    return await _new_tokens(deps, tx, account.id, session_id)


async def _new_tokens(deps: Deps, tx: Transaction, account_id: str, session: UUID) -> TokenPair:
    refresh = new_token()
    expires = deps.clock() + timedelta(seconds=deps.settings.refresh_token_seconds)
    await tx.sessions.add_refresh(deps.digester.digest(refresh), session, expires)
    access = deps.access.issue(account_id, str(session))
    return TokenPair(access, refresh, deps.access.lifetime_seconds)


async def log_in(deps: Deps, cmd: LogIn) -> TokenPair:
    """Password login; slowed down per account and per IP after repeated failures."""
    async with deps.db.transaction() as tx:
        account = await find_login(tx, cmd.login)
        # Per account, whichever name was typed; an unknown name is throttled as itself.
        who = account.id if account else f"unknown:{cmd.login.lower()}"
        scopes = [("login:account", who, deps.account_throttle)]
        scopes.append(("login:ip", cmd.ip, deps.ip_throttle))
        await _refuse_while_slowed_down(deps, tx, scopes)
        stored = account.password_hash if account and account.has_login else None
        if account is not None and await deps.hasher.verify(stored, cmd.password):
            await tx.rates.clear("login:account", who)
            return await start_session(deps, tx, account)
        if account is None:
            await deps.hasher.verify(None, cmd.password)  # same cost as a wrong password
        for kind, scope, _ in scopes:
            await tx.rates.record(kind, scope, deps.clock())
    raise InvalidCredentials("the username, email or password is not right")


async def _refuse_while_slowed_down(
    deps: Deps, tx: Transaction, scopes: list[tuple[str, str, LoginThrottle]]
) -> None:
    now = deps.clock()
    for kind, scope, throttle in scopes:
        failures = await tx.rates.count(kind, scope, now, throttle.window_seconds)
        last = await tx.rates.last(kind, scope, now, throttle.window_seconds)
        if last is None:
            continue
        wait = throttle.delay_after(failures) - (now - last).total_seconds()
        if wait > 0:
            raise TooManyAttempts("too many failed logins; try again later", wait)


async def refresh_session(deps: Deps, refresh_token: str) -> TokenPair:
    """Swap a refresh token for new tokens; a reused one ends its session (theft)."""
    digest = deps.digester.digest(refresh_token)
    async with deps.db.transaction() as tx:
        row = await tx.sessions.refresh_for_update(digest)
        if row is None or row["ended_at"] is not None or row["expires_at"] <= deps.clock():
            raise NotAuthenticated("the refresh token is not valid")
        if row["used_at"] is None:
            await tx.sessions.use_refresh(digest, deps.clock())
            return await _new_tokens(deps, tx, row["account_id"], row["session_id"])
        await tx.sessions.end(row["session_id"], deps.clock())
    raise NotAuthenticated("the refresh token was already used; the session has ended")


async def authenticate(deps: Deps, access_token: str) -> AccessClaims:
    """The claims of a valid access token whose session is still open."""
    claims = deps.access.verify(access_token)
    async with deps.db.transaction() as tx:
        if not await tx.sessions.is_live(UUID(claims.session_id)):
            raise NotAuthenticated("the session has ended")
    return claims


async def log_out(deps: Deps, claims: AccessClaims) -> None:
    """End the session of the access token (its refresh token dies with it)."""
    async with deps.db.transaction() as tx:
        await tx.sessions.end(UUID(claims.session_id), deps.clock())


async def request_password_reset(deps: Deps, cmd: RequestPasswordReset) -> None:
    """Send a reset link if the login exists; same answer, same time, either way."""
    await in_uniform_time(deps.settings.uniform_response_seconds, _reset_if_known(deps, cmd))


async def _reset_if_known(deps: Deps, cmd: RequestPasswordReset) -> None:
    async with deps.db.transaction() as tx:
        account = await find_login(tx, cmd.login)
        typed = cmd.login if looks_like_email(cmd.login) else None
        email = account.credential_address(typed) if account and account.has_login else None
        if account is None or email is None:
            return
        if await deps.email_allowed(tx, "password_reset", email=email, ip=cmd.ip):
            await send_reset_link(deps, tx, account, email, admin_id=None, studio=None)


async def send_reset_link(
    deps: Deps,
    tx: Transaction,
    account: Account,
    email: str,
    admin_id: str | None,
    studio: tuple[str, str | None] | None,
) -> None:
    """Issue a reset link superseding older ones, and ask for the email.

    `studio` is the admin's (id, name) when an admin asked, so the email can name it.
    """
    studio_id, studio_name = studio or (None, None)
    link = await issue_link(deps, tx, account.id, "password_reset", email)
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
    await tx.publish(new_event(event, event_id=link.event_id))


async def complete_reset(deps: Deps, cmd: CompleteReset) -> None:
    """Spend the reset token, set the password, end every session and link; tell the owner."""
    password = deps.policy.check(cmd.password)
    new_hash = await deps.hasher.hash(password)
    async with deps.db.transaction() as tx:
        token = await usable_token(deps, tx, cmd.token, "password_reset", lock=True)
        account = await tx.accounts.get(token.account_id, lock=True)
        assert account is not None  # tokens reference their account
        await tx.tokens.spend(token.id, deps.clock())
        account.password_hash = new_hash
        await tx.accounts.save(account)
        await tx.accounts.mark_proven(account.id, token.email, deps.clock())
        await end_everything(deps, tx, [account.id], "password_changed")
        notice = PasswordChanged(account_id=account.id, email=token.email, via="reset_link")
        await tx.publish(new_event(notice))


async def end_everything(
    deps: Deps,
    tx: Transaction,
    account_ids: list[str],
    why: Literal["password_changed", "merged"],
    cause: Envelope[Any] | None = None,
) -> None:
    """End every session, refresh token and outstanding link of these accounts, and tell
    the services that verify access tokens themselves (SessionsRevoked)."""
    now = deps.clock()
    await tx.sessions.end_all(account_ids, now)
    await tx.tokens.end_all(account_ids, now, why)
    reason: Literal["password_changed", "accounts_merged"] = (
        "password_changed" if why == "password_changed" else "accounts_merged"
    )
    for account_id in account_ids:
        revoked = SessionsRevoked(account_id=account_id, reason=reason, revoked_before=now)
        await tx.publish(new_event(revoked, cause=cause))


async def create_login(deps: Deps, cmd: CreateLogin) -> None:
    """Spend the create-login token, set username and password (then the client logs in)."""
    password = deps.policy.check(cmd.password)
    new_hash = await deps.hasher.hash(password)
    async with deps.db.transaction() as tx:
        token = await usable_token(deps, tx, cmd.token, "create_login", lock=True)
        account = await tx.accounts.get(token.account_id, lock=True)
        assert account is not None
        if account.has_login:
            # Once a login exists no create-login link sets credentials, whenever it was
            # issued; the row lock makes two submits of two live links wait for each other.
            raise LinkNotUsable("this link is used", LinkState.USED.value)
        if await tx.accounts.username_taken(cmd.username, account.id):
            raise UsernameTaken("choose another username")
        await tx.tokens.spend(token.id, deps.clock())
        account.username, account.password_hash = cmd.username, new_hash
        await tx.accounts.save(account)
        await tx.tokens.end_all([account.id], deps.clock(), "superseded")
        await tx.accounts.mark_proven(account.id, token.email, deps.clock())
        event = LoginCreated(
            account_id=account.id,
            studio_id=account.studio_id,
            username=cmd.username,
            email=token.email,
        )
        await tx.publish(new_event(event))


async def request_create_login_again(deps: Deps, old_token: str, ip: str) -> None:
    """From an expired or superseded create-login link's page: send a new link if the
    account still has no login. Anything else sends nothing (the page says the same)."""
    async with deps.db.transaction() as tx:
        token = await tx.tokens.find(deps.digester.digest(old_token), "create_login")
        if token is None or token.state(deps.clock()) not in RENEWABLE:
            return
        account = await tx.accounts.get(token.account_id, lock=True)
        if account is None or not account.awaits_login:
            return
        studio = account.studio_id
        if await deps.email_allowed(tx, "create_login", email=token.email, ip=ip, studio=studio):
            await _send_create_login_again(deps, tx, account, token.email)


async def _send_create_login_again(
    deps: Deps, tx: Transaction, account: Account, email: str
) -> None:
    link = await issue_link(deps, tx, account.id, "create_login", email)
    assert account.studio_id is not None  # awaits_login
    event = CreateLoginLinkRequested(
        account_id=account.id,
        studio_id=account.studio_id,
        studio_name=await tx.studios.name(account.studio_id),
        email=email,
        given_name=account.given_name,
        family_name=account.family_name,
        create_login_token=link.sealed_token,
        expires_at=link.expires_at,
        supersedes=link.supersedes,
        link_page=link.link_page,
    )
    await tx.publish(new_event(event, event_id=link.event_id))
