"""One-time links: issuing, spending and viewing them, the steps several use cases share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from frontdesk_contracts import SealedSecret, uuid7

from ..domain.errors import LinkNotUsable
from ..domain.tokens import LinkState, Purpose, StoredToken, new_code, new_token
from .deps import Deps
from .unit_of_work import UnitOfWork

# The email's link is the page's URL with ``?token=<token>``; the event carries the page
# in clear and the token sealed, so notifications never needs identity's URL layout.
PAGES: dict[Purpose, str] = {
    "create_login": "/links/create-login",
    "password_reset": "/links/reset-password",
    "email_verification": "/links/verify-email",
}
SIGN_IN_PAGE = "/links/sign-in"
RESET_REQUEST_PAGE = f"{PAGES['password_reset']}/new"


@dataclass(frozen=True)
class IssuedLink:
    """A new link's token (sealed), its id (the carrying event's id) and what it replaced."""

    event_id: UUID
    sealed_token: SealedSecret
    expires_at: datetime
    supersedes: UUID | None
    link_page: str
    sealed_code: SealedSecret | None = None


async def issue_link(
    deps: Deps, uow: UnitOfWork, account_id: str, purpose: Purpose, email: str
) -> IssuedLink:
    """Supersede the account's live links of `purpose` and store a new one's digest.

    The plaintext token exists only here: its digest goes to the database, its sealed
    form into the event, and the plaintext is dropped.
    """
    now = deps.clock()
    supersedes = await uow.tokens.supersede(account_id, purpose, now)
    event_id, token = uuid7(), new_token()
    code = new_code() if purpose == "email_verification" else None
    expires_at = now + deps.lifetime(purpose)
    code_digest = deps.digester.digest(code) if code else None
    digest = deps.digester.digest(token)
    await uow.tokens.add(event_id, account_id, purpose, digest, email, now, expires_at, code_digest)
    return IssuedLink(
        event_id,
        deps.sealer.seal(token),
        expires_at,
        supersedes,
        deps.page_url(PAGES[purpose]),
        deps.sealer.seal(code) if code else None,
    )


async def usable_token(
    deps: Deps, uow: UnitOfWork, token: str, purpose: Purpose, *, lock: bool = False
) -> StoredToken:
    """The live token for `token`, or `LinkNotUsable` saying why the link is dead."""
    stored = await uow.tokens.find(deps.digester.digest(token), purpose, lock=lock)
    state = LinkState.UNKNOWN if stored is None else stored.state(deps.clock())
    if stored is None or state is not LinkState.VALID:
        raise LinkNotUsable(f"this link is {state.value}", state.value)
    return stored


@dataclass(frozen=True)
class LinkView:
    """The link's state and, for a live link, whose it is (shown masked on the page)."""

    state: LinkState
    email: str = ""
    username: str | None = None
    studio_id: str | None = None
    studio_name: str | None = None


async def view_link(deps: Deps, token: str, purpose: Purpose) -> LinkView:
    """What opening a link shows; opening never spends it (mail scanners open links)."""
    async with deps.db.transaction() as uow:
        stored = await uow.tokens.find(deps.digester.digest(token), purpose)
        if stored is None:
            return LinkView(LinkState.UNKNOWN)
        state = stored.state(deps.clock())
        if state is not LinkState.VALID:
            return LinkView(state)
        account = await uow.accounts.get(stored.account_id)
        if account is None:
            return LinkView(LinkState.UNKNOWN)
        # The last name an admin's assertion gave the studio; none for app-only accounts.
        name = await uow.studios.name(account.studio_id) if account.studio_id else None
    return LinkView(state, stored.email, account.username, account.studio_id, name)
