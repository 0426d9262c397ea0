"""The README and its examples: what other teams copy must produce valid records.

The kcat script runs here against a fake ``kcat`` that records its arguments and input,
so the records it would publish are checked without a broker (the integration test
publishes them for real).
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

from frontdesk_contracts import (
    CONSUMER_GROUPS,
    REGISTRY,
    TOPICS,
    AccountsMerged,
    ClientImported,
    FirstLogin,
    Topic,
    dead_letter_topic,
    event_headers,
    from_record,
    new_event,
    record_key,
    uuid7_time_ms,
)

CONTRACTS = Path(__file__).resolve().parents[1]
EXAMPLES = CONTRACTS / "examples"
KCAT_SCRIPT = EXAMPLES / "publish_client_imported.sh"
README = (CONTRACTS / "README.md").read_text(encoding="utf-8")
SCRIPT_SETTINGS = ("BOOTSTRAP", "TOPIC", "STUDIO_ID", "EXTERNAL_CLIENT_ID")
LOCAL_BROKER = "127.0.0.1:19092"  # the broker `make up` starts (frontdesk_devstack.config)

FAKE_KCAT = """#!/usr/bin/env bash
printf '%s\\0' "$@" > "$FAKE_KCAT_OUT/args"
cat > "$FAKE_KCAT_OUT/stdin"
"""


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run_kcat_script(tmp_path: Path, **env: str) -> tuple[list[str], bytes]:
    fake = tmp_path / "kcat"
    fake.write_text(FAKE_KCAT)
    fake.chmod(0o755)
    # The shell's own settings of the script stay out: each test says what it sets.
    inherited = {k: v for k, v in os.environ.items() if k not in SCRIPT_SETTINGS}
    environment = {
        **inherited,
        **env,
        "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}",
        "FAKE_KCAT_OUT": str(tmp_path),
    }
    subprocess.run(["bash", str(KCAT_SCRIPT)], env=environment, check=True, capture_output=True)
    args = (tmp_path / "args").read_bytes().decode().split("\0")[:-1]
    return args, (tmp_path / "stdin").read_bytes()


def _options(args: list[str], flag: str) -> list[str]:
    return [args[i + 1] for i, arg in enumerate(args) if arg == flag]


def test_the_kcat_script_publishes_what_to_record_would(tmp_path: Path) -> None:
    args, stdin = _run_kcat_script(tmp_path, BOOTSTRAP="127.0.0.1:19092")
    headers = [tuple(h.split("=", 1)) for h in _options(args, "-H")]
    raw_headers = [(name, value.encode()) for name, value in headers]

    event = from_record(stdin.rstrip(b"\n"), raw_headers)

    assert args[0] == "-P"
    assert _options(args, "-b") == ["127.0.0.1:19092"]
    assert _options(args, "-t") == ["platform.client-imports.v1"]
    assert _options(args, "-k") == [record_key(event).decode()]
    assert stdin.count(b"\n") == 1, "kcat -P sends one record per line"
    # from_record has checked every header against the body; all of them must be there.
    assert [name for name, _ in raw_headers] == [name for name, _ in event_headers(event)]
    assert isinstance(event.payload, ClientImported)
    assert event.payload.emails == ["ada@example.com"]


def test_the_kcat_script_publishes_to_the_local_stack_when_no_broker_is_named(
    tmp_path: Path,
) -> None:
    args, _ = _run_kcat_script(tmp_path)

    assert _options(args, "-b") == [LOCAL_BROKER]


def test_the_readme_commands_name_the_local_stack_broker() -> None:
    brokers = set(re.findall(r"(?:127\.0\.0\.1|localhost):\d+", README))
    for example in EXAMPLES.iterdir():
        brokers |= set(re.findall(r"(?:127\.0\.0\.1|localhost):\d+", example.read_text()))

    assert brokers == {LOCAL_BROKER}


def test_each_run_of_the_kcat_script_is_a_new_event(tmp_path: Path) -> None:
    ids = []
    for run in ("first", "second"):
        (tmp_path / run).mkdir()
        ids.append(from_record(_run_kcat_script(tmp_path / run)[1]).id)

    assert ids[0] != ids[1]
    assert uuid7_time_ms(ids[0]) <= uuid7_time_ms(ids[1])


def test_the_readme_shows_the_kcat_script_verbatim() -> None:
    assert KCAT_SCRIPT.read_text(encoding="utf-8") in README


def test_the_python_publisher_builds_a_valid_record() -> None:
    publisher = _load("publish_client_imported")

    record = publisher.build_record(
        studio_id="studio-42", external_client_id="crm-1", given_name="Ada", emails=["a@b.co"]
    )

    event = from_record(record.value, record.headers)
    assert (record.topic, record.key) == ("platform.client-imports.v1", b"studio-42")
    assert event.narrow(ClientImported).payload.external_client_id == "crm-1"


def test_the_consumer_example_describes_typed_events() -> None:
    consumer = _load("consume_identity_events")
    merged = AccountsMerged(
        account_id="acc-2", merged_account_ids=["acc-1"], studio_id="s", proposal_id="p"
    )

    assert consumer.IDENTITY_TOPIC == "frontdesk.identity.v1"
    assert consumer.describe(new_event(merged)) == "acc-1 merged into acc-2"
    assert consumer.describe(new_event(FirstLogin(account_id="acc-3"))) == (
        "acc-3 logged in for the first time"
    )


@pytest.mark.parametrize(
    "name",
    sorted(
        {t.name for t in TOPICS}
        | {g.group_id for g in CONSUMER_GROUPS}
        | {dead_letter_topic(g.group_id) for g in CONSUMER_GROUPS}
        | {m.event_type for m in REGISTRY}
    ),
)
def test_the_readme_names_every_topic_group_and_event(name: str) -> None:
    assert f"`{name}`" in README


@pytest.mark.parametrize("topic", TOPICS, ids=lambda t: t.name)
def test_the_readme_topic_table_matches_the_catalogue(topic: Topic) -> None:
    groups = ", ".join(f"`{g}`" for g in topic.consumer_groups) or "none in Frontdesk"
    key = {"subject": "account id", "studio_id": "studio id"}[topic.key]
    days = topic.retention_ms // 86_400_000
    row = (
        f"| `{topic.name}` | {topic.producer} | {key} | {topic.default_partitions} "
        f"| {days} days | {topic.cleanup_policy} | {groups} |"
    )

    assert row in README


def test_the_readme_envelope_example_is_a_valid_event() -> None:
    example = README.split("```json\n", 1)[1].split("```", 1)[0]

    event = from_record(example.encode())

    assert isinstance(event.payload, ClientImported)
