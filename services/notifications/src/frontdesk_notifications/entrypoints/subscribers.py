"""The Kafka subscriber: every identity and client-registry event goes to `queue_email`."""

from __future__ import annotations

from faststream.kafka import KafkaBroker

from frontdesk_contracts import GROUP_NOTIFICATIONS, Envelope, EventPayload, topics_read_by
from frontdesk_kit import DeadLetters, EventConsumer, PermanentError, RetryPolicy

from ..handlers import Deps, queue_email

CONSUMED_SOURCES = frozenset({"identity", "client-registry"})


def subscribed_topics(topic_prefix: str) -> list[str]:
    """The (namespaced) topics this service's consumer group reads."""
    return [topic_prefix + topic.name for topic in topics_read_by(GROUP_NOTIFICATIONS)]


def register_consumers(
    broker: KafkaBroker,
    dead_letters: DeadLetters,
    deps: Deps,
    *,
    topic_prefix: str,
    retry: RetryPolicy | None = None,
) -> None:
    """Subscribe the notifications consumer group on `broker`.

    Unparseable and unknown events are dead-lettered by the kit's consumer; an event of
    a source this group does not read is refused here (PermanentError: dead letter).
    """

    async def on_event(event: Envelope[EventPayload]) -> None:
        if event.source not in CONSUMED_SOURCES:
            raise PermanentError(f"{event.type} from {event.source} has no business here")
        await queue_email(deps, event)

    EventConsumer(broker, dead_letters, retry=retry).subscribe(
        subscribed_topics(topic_prefix), on_event
    )
