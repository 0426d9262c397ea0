"""Signing up in the app and proving the address: the account becomes a login, and the
studio records sharing the address are named."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from frontdesk_contracts import (
    AccountMatch,
    Envelope,
    SignupAttemptedForExistingLogin,
    SignupCompleted,
    SignupMatchedExisting,
    new_event,
)

from ..domain.accounts import Account, email_key
from ..domain.commands import HashedSignUp, SignUp, VerifyEmail
from ..domain.errors import InvalidCode, LinkNotUsable, UsernameTaken
from ..domain.tokens import MAX_CODE_ATTEMPTS, StoredToken
from .deferred import Deferred, answer_in_uniform_time
from .deps import Deps
from .emails import email_allowed, send_verification
from .link_tokens import usable_token
from .sessions import TokenPair, start_session
from .unit_of_work import UnitOfWork


async def sign_up(deps: Deps, cmd: SignUp) -> None:
    """Create an unproven account and send the verification code and link.

    Same answer whatever the address and whatever the username: if the address belongs
    to a login, the owner is told instead and nothing is created. The username is only
    held (pending) until the address is proven; a clash is told then, to the prover.
    The password policy is checked first (a weak password is refused at once, whoever
    asks) and the password hashed (the same work whoever asks); the rest is done after
    the answer.
    """
    password_hash = await deps.hasher.hash(deps.policy.check(cmd.password))
    kept = HashedSignUp(
        cmd.email, cmd.username, password_hash, cmd.given_name, cmd.family_name, cmd.ip
    )
    await answer_in_uniform_time(deps, SIGN_UP, kept)


async def _sign_up(deps: Deps, uow: UnitOfWork, cmd: HashedSignUp) -> None:
    owner = next((a for a in await uow.accounts.by_email(cmd.email) if a.has_login), None)
    if owner is not None:
        if await email_allowed(deps, uow, "signup_attempt", email=cmd.email, ip=cmd.ip):
            notice = SignupAttemptedForExistingLogin(account_id=owner.id, email=cmd.email)
            await uow.publish(new_event(notice))
        return
    account = Account(
        id=str(uuid4()),
        origin="signup",
        given_name=cmd.given_name,
        family_name=cmd.family_name,
        pending_username=cmd.username,
        password_hash=cmd.password_hash,
        emails=[cmd.email],
    )
    await uow.accounts.add(account)
    if await email_allowed(deps, uow, "verification", email=cmd.email, ip=cmd.ip):
        await send_verification(deps, uow, account.id, cmd.email)


SIGN_UP = Deferred("signup", HashedSignUp, _sign_up)


async def verify_email(deps: Deps, cmd: VerifyEmail) -> TokenPair:
    """Spend the link or code; SignupCompleted, SignupMatchedExisting, and a session."""
    async with deps.db.transaction() as uow:
        token = await _token_for(deps, uow, cmd)
        if token is not None:
            return await _complete_signup(deps, uow, token)
    # Raised after the commit: the wrong guess must stay counted.
    raise InvalidCode("the code is wrong or has expired; ask for a new one")


async def _complete_signup(deps: Deps, uow: UnitOfWork, token: StoredToken) -> TokenPair:
    account = await uow.accounts.get(token.account_id, lock=True)
    assert account is not None and account.pending_username is not None
    if any(a.has_login for a in await uow.accounts.by_email(token.email)):
        raise InvalidCode("this address already belongs to a login")
    # The username is taken only now, by whoever proves their address first; a clash is
    # told to the address's owner (the link stays usable: nothing is spent). The unique
    # index settles two provers racing for one name.
    if await uow.accounts.username_taken(account.pending_username, account.id):
        raise UsernameTaken("that username was taken meanwhile; sign up again with another")
    await uow.tokens.spend(token.id, deps.clock())
    account.username, account.pending_username = account.pending_username, None
    account.email_verified_at = deps.clock()
    await uow.accounts.save(account)
    await uow.accounts.mark_proven(account.id, token.email, deps.clock())
    done = SignupCompleted(account_id=account.id, username=account.username, email=token.email)
    completed = new_event(done)
    await uow.publish(completed)
    await _offer_matches(uow, account.id, token.email, completed)
    return await start_session(deps, uow, account)


async def _token_for(deps: Deps, uow: UnitOfWork, cmd: VerifyEmail) -> StoredToken | None:
    if cmd.token is not None:
        try:
            return await usable_token(deps, uow, cmd.token, "email_verification", lock=True)
        except LinkNotUsable as error:
            raise InvalidCode(f"this link is {error.state}; ask for a new one") from error
    assert cmd.email is not None and cmd.code is not None
    live = await uow.tokens.live_codes(email_key(cmd.email), deps.clock())
    for token_id, digest in live:
        if deps.digester.matches(cmd.code, digest):
            return await uow.tokens.get(token_id)
    # Every live code of the address pays for a wrong guess; the last allowed one ends it.
    await uow.tokens.count_failed_attempts([t for t, _ in live], MAX_CODE_ATTEMPTS, deps.clock())
    return None


async def _offer_matches(
    uow: UnitOfWork, account_id: str, email: str, cause: Envelope[Any]
) -> None:
    """Name the studio records (no login) that share the proven address."""
    matches = [
        AccountMatch(account_id=a.id, studio_id=a.studio_id)
        for a in await uow.accounts.by_email(email)
        if a.id != account_id and not a.has_login and a.studio_id is not None
    ]
    if matches:
        event = SignupMatchedExisting(account_id=account_id, email=email, matches=matches[:100])
        await uow.publish(new_event(event, cause=cause))


async def resend_verification(deps: Deps, old_token: str, ip: str) -> None:
    """From a dead verification link: send a fresh code and link if still unproven."""
    async with deps.db.transaction() as uow:
        token = await uow.tokens.find(deps.digester.digest(old_token), "email_verification")
        account = await uow.accounts.get(token.account_id, lock=True) if token else None
        if token is None or account is None or account.email_verified_at is not None:
            return
        if await email_allowed(deps, uow, "verification", email=token.email, ip=ip):
            await send_verification(deps, uow, account.id, token.email)
