"""Commands: what a client or an admin asks client-registry to do."""

from __future__ import annotations

from dataclasses import dataclass

from frontdesk_registry.domain.records import AccessState


@dataclass(frozen=True)
class ConfirmProposal:
    """The client confirms one proposal. Ownership of its address is proven only by the
    SignupCompleted event the registry stored, never by the access token."""

    account_id: str
    proposal_id: str


@dataclass(frozen=True)
class DeclineProposal:
    """The client declines one proposal; the record stays separate."""

    account_id: str
    proposal_id: str


@dataclass(frozen=True)
class FindClients:
    """An admin searches one studio's clients (by name or address, by access state)."""

    studio_id: str
    text: str | None
    state: AccessState | None
    after: str | None
    limit: int
