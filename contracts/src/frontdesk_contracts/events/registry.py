"""The registry of event types: (type, schema version) -> payload model.

`REGISTRY` holds every event of this release. A new version of an event is a new
payload class added to `ALL_EVENTS`; released versions stay, so records written by
older producers keep parsing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from frontdesk_contracts.errors import UnknownEventType, UnsupportedVersion
from frontdesk_contracts.events import client_registry, identity, notifications, platform
from frontdesk_contracts.events.base import EventPayload

ALL_EVENTS: tuple[type[EventPayload], ...] = (
    identity.AccountImported,
    identity.AccountCreatedByAdmin,
    identity.WelcomeEmailRequested,
    identity.LoginReadyEmailRequested,
    identity.CreateLoginLinkRequested,
    identity.LoginCreated,
    identity.EmailVerificationRequested,
    identity.SignupCompleted,
    identity.SignupMatchedExisting,
    identity.SignupAttemptedForExistingLogin,
    identity.PasswordResetRequested,
    identity.PasswordChanged,
    identity.FirstLogin,
    identity.AccountsMerged,
    identity.SessionsRevoked,
    client_registry.ClientRecordCreated,
    client_registry.MergeProposed,
    client_registry.ClientsMerged,
    client_registry.MergeRejected,
    client_registry.MergeProposalExpired,
    notifications.EmailSent,
    notifications.EmailFailed,
    notifications.EmailSuppressed,
    platform.ClientImported,
    platform.ClientsImportedBatch,
)


class EventRegistry:
    """Payload models by event type and schema version."""

    def __init__(self, payloads: Iterable[type[EventPayload]]) -> None:
        self._models: dict[str, dict[int, type[EventPayload]]] = {}
        for model in payloads:
            versions = self._models.setdefault(model.event_type, {})
            if model.event_version in versions:
                raise ValueError(f"{model.event_type} v{model.event_version} registered twice")
            versions[model.event_version] = model

    def resolve(self, event_type: str, version: int) -> type[EventPayload]:
        """The payload model of `event_type` in `version`.

        Raises `UnknownEventType` or `UnsupportedVersion`.
        """
        versions = self._models.get(event_type)
        if versions is None:
            raise UnknownEventType(event_type)
        model = versions.get(version)
        if model is None:
            raise UnsupportedVersion(event_type, version, list(versions))
        return model

    def versions(self, event_type: str) -> tuple[int, ...]:
        """The known schema versions of `event_type`, ascending (empty if unknown)."""
        return tuple(sorted(self._models.get(event_type, {})))

    def event_types(self) -> tuple[str, ...]:
        """Every known event type, sorted."""
        return tuple(sorted(self._models))

    def __iter__(self) -> Iterator[type[EventPayload]]:
        """Every payload model, by type then version."""
        for event_type in self.event_types():
            versions = self._models[event_type]
            yield from (versions[v] for v in sorted(versions))

    def __len__(self) -> int:
        return sum(len(versions) for versions in self._models.values())


REGISTRY = EventRegistry(ALL_EVENTS)
"""Every event type and version of this release."""
