"""Bad arguments to every command: a clear message, exit code 2, and nothing contacted
(Kafka is pointed at a closed port, so any attempt would end in exit code 1 instead)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from frontdesk_cli.app import app

CLOSED = "127.0.0.1:9"
TOKEN = "t" * 40


def _run(tmp_path: Path, *args: str) -> tuple[int, str, Path]:
    audit = tmp_path / "audit.jsonl"
    result = CliRunner().invoke(
        app,
        ["--bootstrap", CLOSED, "--operator", "me", "--audit-log", str(audit), *args],
        env={"COLUMNS": "200"},
    )
    return result.exit_code, result.output, audit


BAD = [
    (["replay", "--service", "nope", "--to-earliest"], "unknown service"),
    (["replay", "--group", "g"], "exactly one of --to-datetime"),
    (["replay", "--group", "g", "--to-offset", "1", "--shift-by", "1"], "exactly one of"),
    (["replay", "--group", "g", "--to-datetime", "now"], "not a time"),
    (["replay", "--group", "g", "--to-earliest", "--execute", "--yes"], "--reason is required"),
    (["replay", "--group", "g", "--to-offset", "x"], "valid integer"),
    (["dlq", "list"], "exactly one of --service or --group"),
    (["dlq", "list", "--service", "identity", "--limit", "0"], "--limit"),
    (["dlq", "show", "--service", "identity"], "Missing argument"),
    (["dlq", "show", "-1", "--service", "identity"], "-1"),
    (["dlq", "redrive", "--service", "identity", "--reason", "r"], "choose letters"),
    (["dlq", "redrive", "--service", "identity", "--all"], "--reason is required"),
    (
        ["dlq", "redrive", "--service", "identity", "--offset", "1", "--all", "--reason", "r"],
        "not both",
    ),
    (
        ["dlq", "purge", "--service", "identity", "--reason", "r", "--yes"],
        "--before OFFSET or --all",
    ),
    (["dlq", "purge", "--service", "identity", "--all", "--yes"], "--reason is required"),
    (["dlq", "purge", "--service", "identity", "--before", "-1", "--reason", "r"], "--before"),
    (["import", "missing.csv", "--studio", "s"], "no such file"),
    (["import", "x.csv"], "--studio"),
    (["nonsense"], "No such command"),
    (
        ["republish", "--service", "identity", "--reason", "r", "--ops-token", TOKEN],
        "--account, or --since",
    ),
    (["republish", "--service", "nope", "--account", "a", "--reason", "r"], "unknown service"),
    (
        ["republish", "--service", "identity", "--account", "a", "--ops-token", TOKEN],
        "--reason is required",
    ),
    (["republish", "--service", "identity", "--account", "a", "--reason", "r"], "--ops-token"),
    (
        [
            "republish",
            "--service",
            "identity",
            "--since",
            "2026-02-01T00:00:00Z",
            "--until",
            "2026-01-01T00:00:00Z",
            "--reason",
            "r",
            "--ops-token",
            TOKEN,
        ],
        "--since must be before --until",
    ),
    (["republish", "--service", "identity", "--since", "yesterday", "--reason", "r"], "not a time"),
    (
        [
            "republish",
            "--service",
            "identity",
            "--account",
            "a",
            "--url",
            "ftp://x",
            "--reason",
            "r",
        ],
        "--url",
    ),
    (
        ["resend", "--reason", "r", "--ops-token", TOKEN],
        "exactly one of --message-id or --event-id",
    ),
    (["resend", "--message-id", "nope", "--reason", "r", "--ops-token", TOKEN], "not a UUID"),
    (
        ["resend", "--message-id", "0f8fad5b-d9cb-469f-a165-70867728950e", "--ops-token", TOKEN],
        "--reason is required",
    ),
    (
        [
            "resend",
            "--message-id",
            "0f8fad5b-d9cb-469f-a165-70867728950e",
            "--kind",
            "k",
            "--reason",
            "r",
        ],
        "--kind goes with --event-id",
    ),
]


@pytest.mark.parametrize(("args", "message"), BAD)
def test_bad_arguments_exit_2_with_a_message(tmp_path: Path, args: list[str], message: str) -> None:
    code, output, audit = _run(tmp_path, *args)
    assert code == 2, output
    assert message in output
    assert not audit.exists()


def test_purge_not_confirmed_changes_nothing(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["--bootstrap", CLOSED, "dlq", "purge", "--service", "identity", "--all", "--reason", "r"],
        input="n\n",
    )
    assert result.exit_code == 2
    assert "not confirmed" in result.output


def test_kafka_unreachable_is_a_failure_not_a_crash(tmp_path: Path) -> None:
    code, output, audit = _run(tmp_path, "dlq", "list", "--service", "identity")
    assert code == 1
    assert "cannot reach Kafka" in output
    assert not audit.exists()


def test_import_dry_run_checks_rows_and_publishes_nothing(tmp_path: Path) -> None:
    csv_file = tmp_path / "c.csv"
    csv_file.write_text("external_client_id,given_name\nc-1,Ada\nc-2,\n")
    code, output, audit = _run(tmp_path, "import", str(csv_file), "--studio", "s", "--dry-run")
    assert code == 0, output
    assert "valid rows: 1; published: 0 (dry run); rejected: 1" in output
    assert '"dry_run": true' in audit.read_text()
