"""The catalogue is the one place topics are named, and the AsyncAPI document agrees with it.

Services subscribe their consumer group to `topics_read_by(group)`; a topic name
written into a service would be a subscription (or a publication) the catalogue,
the AsyncAPI document and the lag metric know nothing about.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from frontdesk_contracts import CONSUMER_GROUPS, ConsumerGroup, all_topics, topics_read_by
from frontdesk_contracts.generate import ASYNCAPI_FILE

CONTRACTS = Path(__file__).resolve().parents[1]
SERVICES = CONTRACTS.parent / "services"
TOPIC_NAMES = frozenset(spec.name for spec in all_topics())


def service_sources() -> dict[str, list[Path]]:
    """Every Python file under services/*/src, by service folder."""
    return {
        src.parent.name: sorted(src.rglob("*.py"))
        for src in sorted(SERVICES.glob("*/src"))
        if src.is_dir()
    }


def topic_literals(path: Path) -> list[str]:
    """``line: literal`` for every string literal in `path` that names a catalogue topic."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and any(name in node.value for name in TOPIC_NAMES)
    ]
    return [f"{line}: {value!r}" for line, value in sorted(found)]


def test_every_service_has_sources_to_check() -> None:
    sources = service_sources()

    assert {"identity", "client-registry", "notifications"} <= set(sources)
    assert all(files for files in sources.values())


@pytest.mark.parametrize("service", sorted(service_sources()))
def test_no_service_names_a_topic(service: str) -> None:
    found = {
        str(path.relative_to(SERVICES)): literals
        for path in service_sources()[service]
        if (literals := topic_literals(path))
    }

    assert found == {}, (
        f"{service} names catalogue topics itself; take them from frontdesk_contracts "
        f"(topics_read_by, topic_for_source, dead_letter_topic) instead: {found}"
    )


def test_the_check_sees_a_topic_in_any_string(tmp_path: Path) -> None:
    source = tmp_path / "subscriber.py"
    source.write_text(
        '"""Reads frontdesk.identity.v1."""\n'
        'TOPIC = "frontdesk.client-registry.v1"\n'
        'def topic(prefix): return f"{prefix}platform.client-imports.v1"\n'
        'DLQ = "frontdesk-identity.dlq"\n'
        'OTHER = "frontdesk.identity.v2"\n'
    )

    assert topic_literals(source) == [
        "1: 'Reads frontdesk.identity.v1.'",
        "2: 'frontdesk.client-registry.v1'",
        "3: 'platform.client-imports.v1'",
        "4: 'frontdesk-identity.dlq'",
    ]


def committed_subscriptions() -> dict[str, set[str]]:
    """The topics each consumer group receives from, as the committed AsyncAPI file says."""
    document = json.loads((CONTRACTS / ASYNCAPI_FILE).read_text(encoding="utf-8"))
    subscriptions: dict[str, set[str]] = {}
    for operation in document["operations"].values():
        if operation["action"] != "receive":
            continue
        (group,) = operation["bindings"]["kafka"]["groupId"]["enum"]
        channel = operation["channel"]["$ref"].removeprefix("#/channels/")
        subscriptions.setdefault(group, set()).add(document["channels"][channel]["address"])
    return subscriptions


@pytest.mark.parametrize("group", CONSUMER_GROUPS, ids=lambda g: g.group_id)
def test_asyncapi_says_each_group_subscribes_to_its_catalogue_topics(
    group: ConsumerGroup,
) -> None:
    expected = {topic.name for topic in topics_read_by(group.group_id)}

    assert expected, f"{group.group_id} reads no topic"
    assert committed_subscriptions().get(group.group_id) == expected


def test_asyncapi_has_no_subscriber_outside_the_catalogue() -> None:
    assert set(committed_subscriptions()) == {group.group_id for group in CONSUMER_GROUPS}
