"""What notifications last said about each email it sent to an account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class EmailState:
    """One email's latest state, as the admin's access view shows it."""

    message_id: str
    kind: str
    recipient: str
    state: str
    detail: str | None
    at: datetime
