"""Against the real identity service: CSV import creates the accounts and reports rejected
rows; a dead letter redriven after its cause is fixed is handled; replaying the group after
everything was handled changes no row."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from frontdesk_contracts import GROUP_IDENTITY
from frontdesk_testing import eventually

from .cli import Cli
from .helpers import caught_up, snapshot

pytestmark = pytest.mark.integration

CSV = """external_client_id,given_name,family_name,email,phone
c-1,Ada,Lovelace,ada@example.test,+44 20 7946 0000
c-2,Grace,Hopper,grace@example.test;g.hopper@example.test,
c-3,,Nameless,nobody@example.test,
c-4,Alan,Turing,not-an-email,
c-1,Ada,Again,ada2@example.test,
c-5,Edsger,Dijkstra,,
"""

BREAK_ACCOUNTS = """
CREATE FUNCTION ops_test_outage() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'simulated outage'; END $$;
CREATE TRIGGER ops_test_outage BEFORE INSERT ON accounts
    FOR EACH ROW EXECUTE FUNCTION ops_test_outage();
"""
FIX_ACCOUNTS = "DROP TRIGGER ops_test_outage ON accounts"


@pytest.fixture
def cli(kafka_bootstrap: str, topic_namespace: str, tmp_path: Path) -> Cli:
    return Cli(kafka_bootstrap, topic_namespace, tmp_path / "audit.jsonl")


async def _accounts(dsn: str) -> list[str]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT external_client_id FROM accounts ORDER BY 1")
    finally:
        await conn.close()
    return [r["external_client_id"] for r in rows]


async def test_import_then_replay_changes_no_row(
    cli: Cli,
    start: Callable[..., Any],
    database: str,
    kafka_bootstrap: str,
    topic_namespace: str,
    tmp_path: Path,
) -> None:
    csv_file = tmp_path / "clients.csv"
    csv_file.write_text(CSV)
    # Tracing on: every record goes through the tracing middleware as well.
    async with start("identity", tracing_enabled=True):
        imported = await cli("import", str(csv_file), "--studio", "studio-ops", "--reason", "t")
        assert imported.exit_code == 0, imported.output
        [line] = imported.audit
        assert line["published"] == 3 and line["operator"] == "test-operator"
        rejected = {r["line"]: r["reason"] for r in line["rejected"]}
        assert set(rejected) == {4, 5, 6}
        assert "given_name" in rejected[4]
        assert "emails" in rejected[5]
        assert "repeats line 2" in rejected[6]
        assert "rejected: 3" in imported.output

        async def three() -> None:
            assert await _accounts(database) == ["c-1", "c-2", "c-5"]

        await eventually(three, timeout=20)
        await caught_up(kafka_bootstrap, topic_namespace, GROUP_IDENTITY)
    before = await snapshot(database)

    # The service is stopped: its group has no live member, so the replay may run.
    group = topic_namespace + GROUP_IDENTITY
    replayed = await cli(
        "replay", "--group", group, "--to-earliest", "--execute", "--yes", "--reason", "test"
    )
    assert replayed.exit_code == 0, replayed.output
    assert sum(p["reread"] for p in replayed.audit[0]["partitions"]) == 3

    async with start("identity"):
        await caught_up(kafka_bootstrap, topic_namespace, GROUP_IDENTITY)
    assert await snapshot(database) == before


async def test_a_dead_letter_redriven_after_its_cause_is_fixed_is_handled(
    cli: Cli, start: Callable[..., Any], database: str, tmp_path: Path
) -> None:
    csv_file = tmp_path / "one.csv"
    csv_file.write_text("external_client_id,given_name\nc-9,Barbara\n")
    async with start("identity"):
        admin = await asyncpg.connect(database)
        try:
            await admin.execute(BREAK_ACCOUNTS)
            assert (await cli("import", str(csv_file), "--studio", "studio-dlq")).exit_code == 0

            async def letter() -> None:
                listed = await cli("dlq", "list", "--service", "identity", "--json")
                assert listed.exit_code == 0, listed.output
                assert "simulated" in listed.output, f"no dead letter yet: {listed.output}"

            await eventually(letter, timeout=30)
            shown = await cli("dlq", "show", "0", "--service", "identity")
            assert shown.exit_code == 0, shown.output
            assert "simulated outage" in shown.output
            assert "platform.client-imports.v1" in shown.output
            assert '"ce_type": "ClientImported"' in shown.output
            assert await _accounts(database) == []

            refused = await cli("dlq", "redrive", "--service", "identity", "--all", "--yes")
            assert refused.exit_code == 2 and "--reason is required" in refused.output

            await admin.execute(FIX_ACCOUNTS)
        finally:
            await admin.close()
        redriven = await cli(
            "dlq", "redrive", "--service", "identity", "--reason-contains", "outage",
            "--reason", "trigger removed", "--yes",
        )  # fmt: skip
        assert redriven.exit_code == 0, redriven.output
        [line] = redriven.audit
        assert line["action"] == "dlq.redrive" and line["reason"] == "trigger removed"
        assert len(line["sent"]) == 1

        async def handled() -> None:
            assert await _accounts(database) == ["c-9"]

        await eventually(handled, timeout=20)

    purged = await cli(
        "dlq", "purge", "--service", "identity", "--all", "--reason", "done", "--yes"
    )
    assert purged.exit_code == 0, purged.output
    assert purged.audit[0]["deleted"] == {"0": 1}
    listed = await cli("dlq", "list", "--service", "identity", "--json")
    assert listed.output.strip() == ""
