"""Logging in and sessions: log in, refresh, authenticate, log out; and the two steps
other use cases share, `start_session` (signup signs the client in) and `end_everything`
(a password change or a merge ends every session and link)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal
from uuid import UUID, uuid4

from frontdesk_contracts import AccessTokenClaims, Envelope, FirstLogin, SessionsRevoked, new_event

from ..domain.accounts import Account, looks_like_email
from ..domain.commands import LogIn
from ..domain.errors import InvalidCredentials, NotAuthenticated, TooManyAttempts
from ..domain.limits import LoginThrottle, Scope
from ..domain.sessions import RefreshState
from ..domain.tokens import new_token
from .deps import Deps
from .unit_of_work import UnitOfWork


@dataclass(frozen=True)
class TokenPair:
    """What a successful login or refresh answers."""

    access_token: str
    refresh_token: str
    expires_in: int


async def find_login(uow: UnitOfWork, login: str) -> Account | None:
    """The account a username or an address names (addresses case-insensitively)."""
    if looks_like_email(login):
        return next((a for a in await uow.accounts.by_email(login) if a.has_login), None)
    return await uow.accounts.by_username(login)


async def log_in(deps: Deps, cmd: LogIn) -> TokenPair:
    """Password login; slowed down per account and per IP after repeated failures.

    The password is checked between two short transactions, so no database connection
    waits on argon2 (tens of milliseconds of a core); the second one starts the session
    only if the hash that matched is still the account's (no password change between).
    """
    async with deps.db.transaction() as uow:
        account = await find_login(uow, cmd.login)
        scopes = deps.login_limits.scopes(account.id if account else None, cmd.login, cmd.ip)
        await _refuse_while_slowed_down(deps, uow, scopes)
    stored = account.password_hash if account and account.has_login else None
    # One verification whatever the case (a dummy hash when there is none): same cost.
    matched = await deps.hasher.verify(stored, cmd.password) and account is not None
    rehashed = None
    if matched and stored is not None and deps.hasher.needs_rehash(stored):
        rehashed = await deps.hasher.hash(cmd.password)  # today's cost settings
    async with deps.db.transaction() as uow:
        current = await uow.accounts.get(account.id, lock=True) if matched and account else None
        if current is not None and current.password_hash == stored:
            await uow.rates.clear(scopes[0].kind, scopes[0].key)
            if rehashed is not None:
                current.password_hash = rehashed  # saved with the login below
            return await start_session(deps, uow, current)
        for scope in scopes:
            await uow.rates.record(scope.kind, scope.key, deps.clock())
    raise InvalidCredentials("the username, email or password is not right")


async def _refuse_while_slowed_down(
    deps: Deps, uow: UnitOfWork, scopes: list[Scope[LoginThrottle]]
) -> None:
    now = deps.clock()
    for scope in scopes:
        window = scope.rule.window_seconds
        failures = await uow.rates.count(scope.kind, scope.key, now, window)
        last = await uow.rates.last(scope.kind, scope.key, now, window)
        wait = scope.rule.wait(failures, last, now)
        if wait > 0:
            raise TooManyAttempts("too many failed logins; try again later", wait)


async def start_session(deps: Deps, uow: UnitOfWork, account: Account) -> TokenPair:
    """Record a login (FirstLogin the first time) and open a session with its tokens."""
    now = deps.clock()
    if account.record_login(now):
        await uow.publish(new_event(FirstLogin(account_id=account.id)))
    await uow.accounts.save(account)
    session_id = uuid4()
    await uow.sessions.start(session_id, account.id, now)
    return await _new_tokens(deps, uow, account.id, session_id)


async def _new_tokens(deps: Deps, uow: UnitOfWork, account_id: str, session: UUID) -> TokenPair:
    refresh = new_token()
    expires = deps.clock() + timedelta(seconds=deps.settings.refresh_token_seconds)
    await uow.sessions.add_refresh(deps.digester.digest(refresh), session, expires)
    access = deps.access.issue(account_id, str(session))
    return TokenPair(access, refresh, deps.access.lifetime_seconds)


async def refresh_session(deps: Deps, refresh_token: str) -> TokenPair:
    """Swap a refresh token for new tokens; a reused one ends its session (theft)."""
    digest = deps.digester.digest(refresh_token)
    async with deps.db.transaction() as uow:
        token = await uow.sessions.refresh_for_update(digest)
        state = RefreshState.DEAD if token is None else token.state(deps.clock())
        if token is None or state is RefreshState.DEAD:
            raise NotAuthenticated("the refresh token is not valid")
        if state is RefreshState.LIVE:
            await uow.sessions.use_refresh(digest, deps.clock())
            return await _new_tokens(deps, uow, token.account_id, token.session_id)
        await uow.sessions.end(token.session_id, deps.clock())
    raise NotAuthenticated("the refresh token was already used; the session has ended")


async def authenticate(deps: Deps, access_token: str) -> AccessTokenClaims:
    """The claims of a valid access token whose session is still open."""
    claims = deps.access.verify(access_token)
    async with deps.db.transaction() as uow:
        if not await uow.sessions.is_live(UUID(claims.sid)):
            raise NotAuthenticated("the session has ended")
    return claims


async def log_out(deps: Deps, claims: AccessTokenClaims) -> None:
    """End the session of the access token (its refresh token dies with it)."""
    async with deps.db.transaction() as uow:
        await uow.sessions.end(UUID(claims.sid), deps.clock())


async def end_everything(
    deps: Deps,
    uow: UnitOfWork,
    account_ids: list[str],
    why: Literal["password_changed", "merged"],
    cause: Envelope[Any] | None = None,
) -> None:
    """End every session, refresh token and outstanding link of these accounts, and tell
    the services that verify access tokens themselves (SessionsRevoked)."""
    now = deps.clock()
    await uow.sessions.end_all(account_ids, now)
    await uow.tokens.end_all(account_ids, now, why)
    reason: Literal["password_changed", "accounts_merged"] = (
        "password_changed" if why == "password_changed" else "accounts_merged"
    )
    for account_id in account_ids:
        revoked = SessionsRevoked(account_id=account_id, reason=reason, revoked_before=now)
        await uow.publish(new_event(revoked, cause=cause))
