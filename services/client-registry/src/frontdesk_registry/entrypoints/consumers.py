"""identity's events the registry acts on, each handed to its use case.

The kit's runtime subscribes this table to the catalogue's topics for the registry's
consumer group; events of other types are skipped and counted, never dead-lettered.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from pydantic import BaseModel

from frontdesk_contracts import (
    AccountCreatedByAdmin,
    AccountImported,
    FirstLogin,
    SessionsRevoked,
    SignupCompleted,
    SignupMatchedExisting,
)
from frontdesk_kit import Batch
from frontdesk_kit.runtime import Handler
from frontdesk_registry.service_layer import accounts, proposals, records
from frontdesk_registry.service_layer.unit_of_work import Registry


def event_handlers(reg: Registry) -> Mapping[type[BaseModel], Handler]:
    """Payload class -> the use case that acts on events of that type."""
    filing = Batch(partial(records.file_client_records, reg))
    return {
        AccountImported: filing,
        AccountCreatedByAdmin: filing,
        SignupMatchedExisting: partial(proposals.propose_merges, reg),
        SignupCompleted: partial(accounts.note_verified_email, reg),
        FirstLogin: partial(accounts.note_first_login, reg),
        SessionsRevoked: partial(accounts.note_sessions_revoked, reg),
    }
