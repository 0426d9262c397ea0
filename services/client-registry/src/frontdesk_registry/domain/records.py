"""Studio client records and what an admin or a client sees of them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Origin = Literal["import", "admin", "signup"]
AccessState = Literal["never_logged_in", "active", "merged"]

_RECORD_IDS = uuid.UUID("0b6c1f0e-7e8a-4d53-9d0c-2b1f3c4d5e6f")


def client_record_id(studio_id: str, account_id: str) -> str:
    """The record id of `account_id`'s record in `studio_id`.

    Derived, not random: identity files one account per studio record, so a replayed
    event and a proposal that arrives before its record both name the same record.
    """
    return "cr-" + str(uuid.uuid5(_RECORD_IDS, f"{studio_id}\x00{account_id}"))


@dataclass(frozen=True)
class ClientRecord:
    """One studio's record of a client and the account it is linked to."""

    client_record_id: str
    studio_id: str
    original_account_id: str
    account_id: str
    origin: Origin
    external_client_id: str | None
    given_name: str
    family_name: str | None
    emails: tuple[str, ...]
    phone: str | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    merged_at: datetime | None = None

    @property
    def display_name(self) -> str:
        """Given and family name as the studio typed them."""
        return " ".join(part for part in (self.given_name, self.family_name) if part)

    def access_state(self, first_login_at: datetime | None) -> AccessState:
        """Merged into another account, in use (its account logged in), or never used."""
        if self.merged_at is not None:
            return "merged"
        return "never_logged_in" if first_login_at is None else "active"


@dataclass(frozen=True)
class StudioClient:
    """A studio's record as its admin sees it: with when its account first logged in."""

    record: ClientRecord
    first_login_at: datetime | None

    @property
    def access_state(self) -> AccessState:
        """Merged, active or never logged in (see `ClientRecord.access_state`)."""
        return self.record.access_state(self.first_login_at)


@dataclass(frozen=True)
class KnownStudio:
    """A studio that knows an account: its record of them and the studio's name, if known."""

    record: ClientRecord
    studio_name: str | None


def mask_phone(phone: str | None) -> str | None:
    """The phone with every digit but the last two hidden: enough to recognise, not to call."""
    if phone is None:
        return None
    digits = [c for c in phone if c.isdigit()]
    if len(digits) <= 2:
        return "•" * len(digits)
    return "•" * (len(digits) - 2) + "".join(digits[-2:])
