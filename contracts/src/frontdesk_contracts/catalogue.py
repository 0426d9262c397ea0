"""The topic catalogue: the one source of truth for Frontdesk's Kafka topics.

One topic per producing service, partitioned by record key; one consumer group per
consuming service; one dead-letter topic per consumer group. Topic creation
(`all_topics`), every service's subscriptions (`topics_read_by` its group: no service
names a topic itself) and the AsyncAPI document are all built from here; tests hold
the README's topic table to it.

Record keys: identity, client-registry and notifications key every record by the
account id the event concerns (the envelope subject), so all of one account's events
stay in order on one partition. The inbound import topic keys by studio id, so a
studio's single imports and bulk batches are handled in the order they were published.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from frontdesk_contracts.events.base import Source
from frontdesk_contracts.events.registry import REGISTRY

KeyRule = Literal["subject", "studio_id"]
"""Which envelope field is the record key: the subject, or the studio id."""

DEFAULT_PARTITIONS = 6
"""Partitions of a topic unless a deployment says otherwise; the most instances of one
consumer group that share the work."""
DEAD_LETTER_PARTITIONS = 1
_DAY_MS = 24 * 60 * 60 * 1000

GROUP_IDENTITY = "frontdesk-identity"
GROUP_CLIENT_REGISTRY = "frontdesk-client-registry"
GROUP_NOTIFICATIONS = "frontdesk-notifications"


@dataclass(frozen=True)
class Topic:
    """A topic, what it carries and who reads it."""

    name: str
    producer: Source
    description: str
    key: KeyRule
    key_description: str
    consumer_groups: tuple[str, ...]
    """The Frontdesk groups subscribed to this topic, whether or not they act on every type."""
    retention_ms: int
    default_partitions: int = DEFAULT_PARTITIONS
    """The partition count used when a deployment does not set its own (e.g. locally)."""
    cleanup_policy: Literal["delete", "compact"] = "delete"
    event_types: tuple[str, ...] = field(init=False)
    """Every event type the producer publishes here (all events of its source)."""

    def __post_init__(self) -> None:
        carried = tuple(sorted({m.event_type for m in REGISTRY if m.source == self.producer}))
        object.__setattr__(self, "event_types", carried)

    def config(self) -> dict[str, str]:
        """The topic-level Kafka configuration."""
        return {"cleanup.policy": self.cleanup_policy, "retention.ms": str(self.retention_ms)}


@dataclass(frozen=True)
class ConsumerGroup:
    """A consumer group: the instances of one service reading the same topics."""

    group_id: str
    service: str
    description: str


@dataclass(frozen=True)
class TopicSpec:
    """What topic creation needs: name, partition count and topic configuration."""

    name: str
    partitions: int
    config: dict[str, str]


_ACCOUNT_KEY = "The account id the event concerns (the envelope subject), UTF-8."

TOPICS: tuple[Topic, ...] = (
    Topic(
        name="frontdesk.identity.v1",
        producer="identity",
        description="Account lifecycle: imports, logins, verification, resets, merges.",
        key="subject",
        key_description=_ACCOUNT_KEY,
        consumer_groups=(GROUP_CLIENT_REGISTRY, GROUP_NOTIFICATIONS),
        retention_ms=30 * _DAY_MS,
    ),
    Topic(
        name="frontdesk.client-registry.v1",
        producer="client-registry",
        description="Studios' client records, merge proposals and their outcomes.",
        key="subject",
        key_description="The account id whose records the event concerns (for a merge, the "
        "surviving account; the envelope subject), UTF-8.",
        consumer_groups=(GROUP_IDENTITY,),
        retention_ms=30 * _DAY_MS,
    ),
    Topic(
        name="frontdesk.notifications.v1",
        producer="notifications",
        description="What became of each outgoing email.",
        key="subject",
        key_description=_ACCOUNT_KEY,
        consumer_groups=(GROUP_IDENTITY,),
        retention_ms=14 * _DAY_MS,
    ),
    Topic(
        name="platform.client-imports.v1",
        producer="platform",
        description="Inbound: client records other platform services import into studios.",
        key="studio_id",
        key_description="The studio id (envelope studio_id), UTF-8: one studio's imports "
        "stay in order.",
        consumer_groups=(GROUP_IDENTITY,),
        retention_ms=30 * _DAY_MS,
    ),
)

CONSUMER_GROUPS: tuple[ConsumerGroup, ...] = (
    ConsumerGroup(
        GROUP_IDENTITY,
        "identity",
        "Creates accounts for imports; applies merges; keeps what became of each email.",
    ),
    ConsumerGroup(
        GROUP_CLIENT_REGISTRY, "client-registry", "Files client records; proposes merges."
    ),
    ConsumerGroup(GROUP_NOTIFICATIONS, "notifications", "Sends the emails events ask for."),
)

DEAD_LETTER_RETENTION_MS = 30 * _DAY_MS
"""Dead letters wait a month for someone to look at them and redrive them."""


def dead_letter_topic(group_id: str) -> str:
    """The dead-letter topic of a consumer group, e.g. ``frontdesk-notifications.dlq``."""
    return f"{group_id}.dlq"


def topic_named(name: str) -> Topic:
    """The catalogue entry of topic `name`; raises KeyError if there is none."""
    for topic in TOPICS:
        if topic.name == name:
            return topic
    raise KeyError(f"no topic {name!r} in the catalogue")


def topic_for_source(source: Source) -> Topic:
    """The topic that `source`'s events are published on."""
    for topic in TOPICS:
        if topic.producer == source:
            return topic
    raise KeyError(f"no topic for source {source!r}")


def topic_for_event(event_type: str) -> Topic:
    """The topic that carries `event_type`; raises KeyError if none does."""
    for topic in TOPICS:
        if event_type in topic.event_types:
            return topic
    raise KeyError(f"no topic carries {event_type!r}")


def topics_read_by(group_id: str) -> tuple[Topic, ...]:
    """The topics consumer group `group_id` subscribes to."""
    return tuple(topic for topic in TOPICS if group_id in topic.consumer_groups)


def longest_replay_ms() -> int:
    """How far back, at most, a replay can reach: the longest retention of any topic.

    Dead-letter topics count too, since a redriven letter comes back to its topic. A
    consumer's handled-event ledger must keep ids longer than this, or a replay hands it
    events whose ids it has already forgotten. Kafka deletes whole log segments, so a
    record may outlive its retention by up to one segment roll (``segment.ms``, seven
    days by default): keep the ledger longer than this by at least that much.
    """
    return max(int(spec.config["retention.ms"]) for spec in all_topics())


def all_topics() -> list[TopicSpec]:
    """Every topic to create, dead-letter topics included, sorted by name."""
    specs = [TopicSpec(t.name, t.default_partitions, t.config()) for t in TOPICS]
    for group in CONSUMER_GROUPS:
        config = {"cleanup.policy": "delete", "retention.ms": str(DEAD_LETTER_RETENTION_MS)}
        specs.append(TopicSpec(dead_letter_topic(group.group_id), DEAD_LETTER_PARTITIONS, config))
    return sorted(specs, key=lambda spec: spec.name)
