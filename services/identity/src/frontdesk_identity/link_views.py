"""What a link page shows about the link it opens: a read, never a change."""

from __future__ import annotations

from dataclasses import dataclass

from .deps import Deps
from .domain.tokens import LinkState, Purpose


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
    async with deps.db.transaction() as tx:
        stored = await tx.tokens.find(deps.digester.digest(token), purpose)
        if stored is None:
            return LinkView(LinkState.UNKNOWN)
        state = stored.state(deps.clock())
        if state is not LinkState.VALID:
            return LinkView(state)
        account = await tx.accounts.get(stored.account_id)
        if account is None:
            return LinkView(LinkState.UNKNOWN)
        # The last name an admin's assertion gave the studio; none for app-only accounts.
        name = await tx.studios.name(account.studio_id) if account.studio_id else None
    return LinkView(state, stored.email, account.username, account.studio_id, name)
