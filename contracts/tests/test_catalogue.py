"""The topic catalogue: every event has one home, every group a dead-letter topic."""

from __future__ import annotations

import pytest

from frontdesk_contracts import (
    CONSUMER_GROUPS,
    DEFAULT_PARTITIONS,
    REGISTRY,
    TOPICS,
    EventPayload,
    all_topics,
    dead_letter_topic,
    longest_replay_ms,
    topic_for_event,
    topic_for_source,
    topic_named,
    topics_read_by,
)
from frontdesk_contracts.catalogue import DEAD_LETTER_RETENTION_MS


@pytest.mark.parametrize("model", list(REGISTRY), ids=lambda m: m.event_type)
def test_every_event_is_carried_by_exactly_one_topic_of_its_producer(
    model: type[EventPayload],
) -> None:
    carriers = [topic for topic in TOPICS if model.event_type in topic.event_types]

    assert len(carriers) == 1
    assert carriers[0].producer == model.source
    assert topic_for_event(model.event_type) is carriers[0]


def test_one_topic_per_producing_service() -> None:
    assert {t.name: t.producer for t in TOPICS} == {
        "frontdesk.identity.v1": "identity",
        "frontdesk.client-registry.v1": "client-registry",
        "frontdesk.notifications.v1": "notifications",
        "platform.client-imports.v1": "platform",
    }
    assert topic_for_source("identity").name == "frontdesk.identity.v1"


def test_who_reads_what() -> None:
    reads = {g.group_id: [t.name for t in topics_read_by(g.group_id)] for g in CONSUMER_GROUPS}

    assert reads == {
        "frontdesk-identity": [
            "frontdesk.client-registry.v1",
            "frontdesk.notifications.v1",
            "platform.client-imports.v1",
        ],
        "frontdesk-client-registry": ["frontdesk.identity.v1"],
        "frontdesk-notifications": ["frontdesk.identity.v1"],
    }


def test_every_group_a_topic_names_is_in_the_catalogue() -> None:
    known = {group.group_id for group in CONSUMER_GROUPS}

    assert {g for topic in TOPICS for g in topic.consumer_groups} <= known


def test_dead_letter_topics_are_named_after_their_group() -> None:
    assert dead_letter_topic("frontdesk-notifications") == "frontdesk-notifications.dlq"


def test_topic_creation_sees_every_topic_and_dead_letter_topic() -> None:
    specs = {spec.name: spec for spec in all_topics()}

    assert set(specs) == {t.name for t in TOPICS} | {
        "frontdesk-identity.dlq",
        "frontdesk-client-registry.dlq",
        "frontdesk-notifications.dlq",
    }
    identity = specs["frontdesk.identity.v1"]
    assert identity.partitions == DEFAULT_PARTITIONS == 6
    assert identity.config == {"cleanup.policy": "delete", "retention.ms": str(30 * 86_400_000)}
    assert all(spec.config["cleanup.policy"] == "delete" for spec in specs.values())
    assert [spec.name for spec in all_topics()] == sorted(specs)


def test_the_longest_replay_is_the_longest_retention_of_any_topic() -> None:
    retentions = [int(spec.config["retention.ms"]) for spec in all_topics()]

    assert longest_replay_ms() == max(retentions) == 30 * 86_400_000
    assert longest_replay_ms() >= max(topic.retention_ms for topic in TOPICS)
    assert longest_replay_ms() >= DEAD_LETTER_RETENTION_MS


def test_an_unknown_name_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        topic_named("frontdesk.billing.v1")
    with pytest.raises(KeyError):
        topic_for_event("ClientTeleported")
