"""Identity's Kafka subscribers: imports, merges and email delivery reports.

Each record's effect runs once per event id (HandledEvents) in the transaction that
records it; anything identity does not expect goes to the dead-letter topic.
"""

from __future__ import annotations

from typing import Any

from frontdesk_contracts import (
    ClientImported,
    ClientsImportedBatch,
    ClientsMerged,
    EmailFailed,
    EmailSent,
    EmailSuppressed,
    Envelope,
)
from frontdesk_kit import EventConsumer, HandledEvents, PermanentError

from ..deps import Deps
from ..event_handlers import apply_merge, import_clients, record_delivery

IMPORTS_TOPIC = "platform.client-imports.v1"
REGISTRY_TOPIC = "frontdesk.client-registry.v1"
NOTIFICATIONS_TOPIC = "frontdesk.notifications.v1"
# Registry events meant for others: read past them, never dead-letter them.
_IGNORED = {"ClientRecordCreated", "MergeProposed", "MergeRejected", "MergeProposalExpired"}


def subscribe_all(consumer: EventConsumer, handled: HandledEvents, deps: Deps) -> None:
    """Subscribe identity's one handler to its three topics (with the topic prefix).

    One subscriber for all three: a single consumer-group member, so starting the
    service joins the group once.
    """
    prefix = deps.settings.topic_prefix

    async def on_event(event: Envelope[Any]) -> None:
        payload = event.payload
        if isinstance(payload, ClientImported | ClientsImportedBatch):
            await handled.once(event.id, lambda c: import_clients(deps, deps.db.on(c), event))
        elif isinstance(payload, ClientsMerged):
            merged: Envelope[ClientsMerged] = event.narrow(ClientsMerged)
            await handled.once(event.id, lambda c: apply_merge(deps, deps.db.on(c), merged))
        elif isinstance(payload, EmailSent | EmailFailed | EmailSuppressed):
            await handled.once(event.id, lambda c: record_delivery(deps.db.on(c), event))
        elif event.type not in _IGNORED:
            raise PermanentError(f"identity does not handle {event.type}")

    consumer.subscribe(
        [prefix + t for t in (IMPORTS_TOPIC, REGISTRY_TOPIC, NOTIFICATIONS_TOPIC)], on_event
    )
