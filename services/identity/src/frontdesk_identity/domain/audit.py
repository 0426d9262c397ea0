"""The admin audit trail: every admin action leaves an entry, refused ones included."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .errors import IdentityError


@dataclass(frozen=True)
class AuditEntry:
    """One admin action: who did what, in which studio, to which client, and how it ended."""

    admin_id: str
    action: str
    studio_id: str
    account_id: str | None
    outcome: str = "done"

    def done(self, account_id: str) -> AuditEntry:
        """The entry of the action done, on `account_id` (the survivor, for an alias)."""
        return replace(self, account_id=account_id, outcome="done")

    def refused(self, error: IdentityError) -> AuditEntry:
        """The entry of the action refused, saying why (the error's kind)."""
        return replace(self, outcome=f"refused: {error.kind}")
