"""Events published by client-registry on ``frontdesk.client-registry.v1``.

Client-registry owns each studio's client records, merge proposals and merge history.
Its events are keyed by the account whose records they concern (for a merge, the
surviving account), so a proposal and its outcome reach consumers in order.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from frontdesk_contracts.events.base import (
    EmailAddress,
    EventPayload,
    Identifier,
    PersonName,
    UtcDateTime,
)


class RegistryEvent(EventPayload):
    """Base of client-registry's events: source ``client-registry``, subject an account."""

    source = "client-registry"
    subject_field = "account_id"


class ClientRecordCreated(RegistryEvent):
    """A studio's client record was filed for an account.

    Emitted by client-registry on AccountImported or AccountCreatedByAdmin. No Frontdesk
    service consumes it; studio-facing services use it to list a studio's clients.
    """

    event_type = "ClientRecordCreated"
    event_version = 1
    studio_field = "studio_id"

    client_record_id: Identifier
    account_id: Identifier
    studio_id: Identifier
    origin: Literal["import", "admin"]
    external_client_id: Identifier | None = None
    given_name: PersonName
    family_name: PersonName | None = None


class MergeCandidate(BaseModel):
    """One studio's client record offered for a merge, with the account it belongs to."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    account_id: Identifier
    studio_id: Identifier
    client_record_id: Identifier


class MergeProposed(RegistryEvent):
    """Studio records matching a verified signup are offered to the new account.

    Emitted by client-registry on SignupMatchedExisting. The app reads proposals over
    HTTP; no Frontdesk service consumes the event, it keeps the history replayable.
    """

    event_type = "MergeProposed"
    event_version = 1

    proposal_id: Identifier
    account_id: Identifier = Field(description="The new account that may confirm.")
    email: EmailAddress = Field(description="The verified address that proves ownership.")
    candidates: list[MergeCandidate] = Field(min_length=1, max_length=100)
    expires_at: UtcDateTime


class ClientsMerged(RegistryEvent):
    """One studio's client record now belongs to the surviving account.

    Emitted by client-registry, one event per merged record, when the client confirms
    a proposal (or an admin merges). Consumed by identity, which merges the accounts,
    ends the merged ones' tokens and sessions and emits AccountsMerged.
    """

    event_type = "ClientsMerged"
    event_version = 1
    subject_field = "surviving_account_id"
    studio_field = "studio_id"

    proposal_id: Identifier
    surviving_account_id: Identifier
    merged_account_ids: list[Identifier] = Field(min_length=1, max_length=100)
    studio_id: Identifier
    client_record_id: Identifier
    merged_by: Identifier = Field(description="The account or admin id that confirmed.")
    merged_by_role: Literal["client", "admin"]


MergeRejectionReason = Literal["declined", "record_merged_elsewhere"]
"""Why a proposal ended without a merge: the client declined it, or its studio record was
merged into another account first (a concurrent confirmation won, or an admin merged)."""


class MergeRejected(RegistryEvent):
    """The client declined some or all records of a proposal, or the record was merged
    elsewhere first; they stay separate.

    Emitted by client-registry. No Frontdesk service consumes it; it keeps the history.
    """

    event_type = "MergeRejected"
    event_version = 1

    proposal_id: Identifier
    account_id: Identifier
    rejected_account_ids: list[Identifier] = Field(min_length=1, max_length=100)
    reason: MergeRejectionReason = Field(
        default="declined", description="Why no merge happened (added in 1.1; default declined)."
    )


class MergeProposalExpired(RegistryEvent):
    """A proposal was neither confirmed nor rejected in time; proving ownership again
    renews it.

    Emitted by client-registry. No Frontdesk service consumes it; it keeps the history.
    """

    event_type = "MergeProposalExpired"
    event_version = 1

    proposal_id: Identifier
    account_id: Identifier
