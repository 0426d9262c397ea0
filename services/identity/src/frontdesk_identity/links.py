"""Issuing and spending one-time links: the shared steps of several use cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from frontdesk_contracts import SealedSecret, uuid7

from .adapters.unit_of_work import Transaction
from .deps import Deps
from .domain.errors import LinkNotUsable
from .domain.tokens import LinkState, Purpose, StoredToken, new_code, new_token


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
    deps: Deps, tx: Transaction, account_id: str, purpose: Purpose, email: str
) -> IssuedLink:
    """Supersede the account's live links of `purpose` and store a new one's digest.

    The plaintext token exists only here: its digest goes to the database, its sealed
    form into the event, and the plaintext is dropped.
    """
    now = deps.clock()
    supersedes = await tx.tokens.supersede(account_id, purpose, now)
    event_id, token = uuid7(), new_token()
    code = new_code() if purpose == "email_verification" else None
    expires_at = now + deps.lifetime(purpose)
    code_digest = deps.digester.digest(code) if code else None
    await tx.tokens.add(
        event_id,
        account_id,
        purpose,
        deps.digester.digest(token),
        email,
        now,
        expires_at,
        code_digest,
    )
    return IssuedLink(
        event_id,
        deps.sealer.seal(token),
        expires_at,
        supersedes,
        deps.page_url(PAGES[purpose]),
        deps.sealer.seal(code) if code else None,
    )


# The email's link is the page's URL with ``?token=<token>``; the event carries the page
# in clear and the token sealed, so notifications never needs identity's URL layout.
PAGES: dict[Purpose, str] = {
    "create_login": "/links/create-login",
    "password_reset": "/links/reset-password",
    "email_verification": "/links/verify-email",
}


async def usable_token(
    deps: Deps, tx: Transaction, token: str, purpose: Purpose, *, lock: bool = False
) -> StoredToken:
    """The live token for `token`, or `LinkNotUsable` saying why the link is dead."""
    stored = await tx.tokens.find(deps.digester.digest(token), purpose, lock=lock)
    state = LinkState.UNKNOWN if stored is None else stored.state(deps.clock())
    if stored is None or state is not LinkState.VALID:
        raise LinkNotUsable(f"this link is {state.value}", state.value)
    return stored


async def link_state(deps: Deps, token: str, purpose: Purpose) -> LinkState:
    """What opening a link shows; opening never spends it."""
    async with deps.db.transaction() as tx:
        stored = await tx.tokens.find(deps.digester.digest(token), purpose)
    return LinkState.UNKNOWN if stored is None else stored.state(deps.clock())
