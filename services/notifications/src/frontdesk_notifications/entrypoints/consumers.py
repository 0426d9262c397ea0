"""The consumer group's handler table: the event types that ask for an email, each
queued by `queue_emails`. The kit's runtime subscribes the catalogue's topics for the
group and skips (and counts) every other type."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from frontdesk_contracts import Envelope
from frontdesk_kit import Batch
from frontdesk_kit.runtime import Handler

from ..domain.requests import EMAIL_EVENTS
from ..service_layer.deps import Deps
from ..service_layer.queueing import queue_emails


def email_handlers(deps: Deps) -> Mapping[type[BaseModel], Handler]:
    """Payload class -> handler, for every event type that may ask for an email: all of
    them queued in batches (one unit of work per partition's share of a fetch)."""

    async def on_email_events(events: Sequence[Envelope[Any]]) -> None:
        await queue_emails(deps, events)

    queueing = Batch(on_email_events)
    return {payload: queueing for payload in EMAIL_EVENTS}
