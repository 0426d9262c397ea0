"""The generated files: committed, in sync with the code, stable, and complete."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from frontdesk_contracts import CONSUMER_GROUPS, REGISTRY, TOPICS, dead_letter_topic
from frontdesk_contracts.generate import (
    ASYNCAPI_FILE,
    SCHEMA_DIR,
    drift,
    generated_files,
    main,
    write,
)
from frontdesk_contracts.schema import CONTRACTS_VERSION, asyncapi_document, event_schemas

CONTRACTS = Path(__file__).resolve().parents[1]


def test_the_committed_files_match_the_code() -> None:
    problems = drift(CONTRACTS)

    assert problems == [], (
        "generated contract files are out of date; run make contracts "
        "(python -m frontdesk_contracts.generate) and commit the result:\n" + "\n".join(problems)
    )


@pytest.fixture
def copy_of_contracts(tmp_path: Path) -> Path:
    """A throw-away copy of the committed generated files."""
    shutil.copytree(CONTRACTS / SCHEMA_DIR, tmp_path / SCHEMA_DIR)
    shutil.copy(CONTRACTS / ASYNCAPI_FILE, tmp_path / ASYNCAPI_FILE)
    return tmp_path


def test_the_check_fails_with_a_clear_message_when_a_file_drifts(
    copy_of_contracts: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = copy_of_contracts / SCHEMA_DIR / "ClientImported.v1.schema.json"
    schema.write_text(schema.read_text().replace('"given_name"', '"first_name"'))
    (copy_of_contracts / SCHEMA_DIR / "Old.v1.schema.json").write_text("{}\n")
    (copy_of_contracts / ASYNCAPI_FILE).unlink()

    status = main(["--check", "--root", str(copy_of_contracts)])

    errors = capsys.readouterr().err
    assert status == 1
    assert "schemas/ClientImported.v1.schema.json is out of date" in errors
    assert "schemas/Old.v1.schema.json is not generated any more" in errors
    assert "asyncapi.json is missing" in errors
    assert "run `make contracts`" in errors


def test_generating_repairs_the_drift(copy_of_contracts: Path) -> None:
    (copy_of_contracts / SCHEMA_DIR / "Old.v1.schema.json").write_text("{}\n")
    (copy_of_contracts / ASYNCAPI_FILE).write_text("{}\n")

    changed = write(copy_of_contracts)

    assert changed == ["wrote asyncapi.json", "removed schemas/Old.v1.schema.json"]
    assert drift(copy_of_contracts) == []
    assert main(["--check", "--root", str(copy_of_contracts)]) == 0


def test_generation_is_deterministic() -> None:
    assert generated_files() == generated_files()


def test_there_is_one_schema_per_event_version() -> None:
    assert sorted(event_schemas()) == sorted(
        f"{m.event_type}.v{m.event_version}.schema.json" for m in REGISTRY
    )


def test_an_event_schema_pins_type_and_version() -> None:
    schema = event_schemas()["PasswordResetRequested.v1.schema.json"]

    assert schema["properties"]["type"]["const"] == "PasswordResetRequested"
    assert schema["properties"]["schema_version"]["const"] == 1
    assert schema["properties"]["source"]["const"] == "identity"
    assert schema["properties"]["payload"] == {"$ref": "#/$defs/PasswordResetRequested"}
    assert "reset_token" in schema["$defs"]["PasswordResetRequested"]["required"]


def test_asyncapi_has_a_channel_per_topic_with_its_messages() -> None:
    document = asyncapi_document()
    channels = document["channels"]

    assert document["asyncapi"] == "3.0.0"
    for topic in TOPICS:
        channel = channels[topic.name]
        assert channel["address"] == topic.name
        assert sorted(ref.split(".")[0] for ref in channel["messages"]) == sorted(topic.event_types)
        assert channel["bindings"]["kafka"]["partitions"] == topic.default_partitions
    for group in CONSUMER_GROUPS:
        assert dead_letter_topic(group.group_id) in channels


def test_asyncapi_messages_carry_payload_and_headers() -> None:
    components = asyncapi_document()["components"]
    message = components["messages"]["ClientImported.v1"]

    assert message["payload"] == {"$ref": "#/components/schemas/ClientImported.v1"}
    assert message["headers"] == {"$ref": "#/components/schemas/Headers"}
    assert "ce_type" in components["schemas"]["Headers"]["required"]
    envelope = components["schemas"]["ClientImported.v1"]
    assert envelope["properties"]["payload"] == {"$ref": "#/components/schemas/ClientImported"}


def test_every_asyncapi_reference_resolves() -> None:
    document = asyncapi_document()
    refs: list[str] = []

    def collect(node: object) -> None:
        if isinstance(node, dict):
            refs.extend(v for k, v in node.items() if k == "$ref")
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(document)
    for ref in refs:
        target: object = document
        for part in ref.removeprefix("#/").split("/"):
            assert isinstance(target, dict) and part in target, f"dangling {ref}"
            target = target[part]


def test_asyncapi_has_send_and_receive_operations() -> None:
    operations = asyncapi_document()["operations"]

    sends = {op["channel"]["$ref"] for op in operations.values() if op["action"] == "send"}
    groups = {
        op["bindings"]["kafka"]["groupId"]["enum"][0]
        for op in operations.values()
        if op["action"] == "receive"
    }
    assert sends == {f"#/channels/{topic.name}" for topic in TOPICS}
    assert groups == {group.group_id for group in CONSUMER_GROUPS}


def test_the_document_version_is_the_package_version() -> None:
    project = tomllib.loads((CONTRACTS / "pyproject.toml").read_text())["project"]

    assert project["version"] == CONTRACTS_VERSION
