"""Inbound events that other platform services publish on ``platform.client-imports.v1``.

A studio migration or a CSV import publishes its clients here, one at a time
(ClientImported) or in bulk (ClientsImportedBatch). Records are keyed by studio id, so a
studio's single imports and batches reach identity in the order they were published.
Identity consumes both and creates an account without a login for each client
(AccountImported); no email is sent. Re-publishing a client with the same studio id and
external client id is safe: identity handles it once.
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from frontdesk_contracts.events.base import (
    EmailAddress,
    EventPayload,
    Identifier,
    PersonName,
    UtcDateTime,
)
from frontdesk_contracts.events.identity import MAX_EMAILS_PER_CLIENT

MAX_BATCH_CLIENTS = 100
"""Most clients in one ClientsImportedBatch record: the largest batch stays under the
broker's default 1 MB record limit even with the longest allowed fields."""


class ClientFields(BaseModel):
    """What an importing service knows about one client of a studio."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    external_client_id: Identifier = Field(
        description="The importing system's id of the client, unique within the studio."
    )
    given_name: PersonName
    family_name: PersonName | None = None
    emails: list[EmailAddress] = Field(
        default_factory=list,
        max_length=MAX_EMAILS_PER_CLIENT,
        description="Known addresses, preferred first; may be empty.",
    )
    phone: str | None = Field(default=None, min_length=3, max_length=32)
    imported_at: UtcDateTime | None = Field(
        default=None, description="When the client was read from the source system."
    )


class ImportedClient(ClientFields):
    """One client in a ClientsImportedBatch."""


class PlatformEvent(EventPayload):
    """Base of inbound events: source ``platform``, studio id always present."""

    source = "platform"
    studio_field = "studio_id"

    studio_id: Identifier = Field(description="The studio the clients belong to.")
    import_id: Identifier | None = Field(
        default=None, description="The importing run (migration, CSV upload), for tracing."
    )


class ClientImported(PlatformEvent, ClientFields):
    """One client record, imported into a studio by another platform service.

    Published by a migration or import service (source ``platform``). Consumed by
    identity, which creates an account without a login (AccountImported); subject is
    the external client id.
    """

    event_type = "ClientImported"
    event_version = 1
    subject_field = "external_client_id"


class ClientsImportedBatch(PlatformEvent):
    """Up to 100 clients of one studio, imported in bulk by a migration.

    Published by a migration service (source ``platform``); a large studio is split into
    numbered batches of one `import_id`. Consumed by identity, which handles each client
    as it would a ClientImported, in one transaction per batch; subject is the studio id.
    """

    event_type = "ClientsImportedBatch"
    event_version = 1
    subject_field = "studio_id"

    import_id: Identifier = Field(description="The migration run this batch belongs to.")
    batch_number: int = Field(ge=1, description="1, 2, ... within the import run.")
    clients: list[ImportedClient] = Field(min_length=1, max_length=MAX_BATCH_CLIENTS)

    @model_validator(mode="after")
    def _external_ids_unique(self) -> Self:
        ids = [client.external_client_id for client in self.clients]
        if len(set(ids)) != len(ids):
            raise ValueError("external_client_id repeats within the batch")
        return self
