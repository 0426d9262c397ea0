"""`make bench`'s suite at tiny sizes against the running stack: each scenario completes
and every request ends in its effect. Counts only, never times (this machine is shared)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def smoke(stack: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One smoke run of the stack suite, its JSON result."""
    out: Path = tmp_path_factory.mktemp("bench")
    command = [
        sys.executable,
        "-m",
        "frontdesk_devstack.bench",
        "--smoke",
        "--json",
        "--out",
        str(out),
    ]
    ran = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert sorted(p.name for p in out.iterdir() if p.name.startswith("latest")) == [
        "latest.json",
        "latest.md",
    ]
    result: dict[str, Any] = json.loads(ran.stdout)
    return result


def test_every_scenario_completed(smoke: dict[str, Any]) -> None:
    assert smoke["errors"] == {}
    assert sorted(smoke["scenarios"]) == ["import", "login", "replay", "resets"]


def test_every_imported_record_is_in_both_services(smoke: dict[str, Any]) -> None:
    imported = smoke["scenarios"]["import"]

    assert imported["complete"] is True
    assert imported["identity_accounts"] == imported["registry_records"] == imported["records"] > 0


def test_every_reset_request_was_accepted_and_its_email_reached_the_inbox(
    smoke: dict[str, Any],
) -> None:
    storm = smoke["scenarios"]["resets"]
    steps = [*storm["steps"], *storm["overload"].values(), storm["latency"]]

    assert len(steps) == 4  # the smoke rate, its 2x and 10x, the latency step
    for step in steps:
        assert step["requests"] > 0
        assert step["accepted"] == step["delivered"] == step["requests"], step
        assert step["missing"] == 0


def test_the_replay_handled_every_event_again_and_sent_no_email(smoke: dict[str, Any]) -> None:
    replay = smoke["scenarios"]["replay"]

    assert replay["emails_in_inbox"] == replay["events"] > 0  # the first pass sent each once
    assert replay["emails_during_replay"] == 0
    assert replay["sent_during_replay"] == 0
    assert replay["messages_queued_during_replay"] == 0


def test_every_login_succeeded(smoke: dict[str, Any]) -> None:
    runs = smoke["scenarios"]["login"]["clients"]

    assert sorted(runs, key=int) == ["2", "8", "32"]
    for run in runs.values():
        assert run["logins"] > 0
        assert run["failures"] == 0
