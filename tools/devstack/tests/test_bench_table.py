"""The stack suite's table (text and Markdown) and its results files."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from frontdesk_devstack.bench import results, table

BASELINES = {
    "kafka_produce_per_s": 30_000.0,
    "kafka_consume_per_s": 40_000.0,
    "pg_tx_per_s": 2_000.0,
    "consume_copy_per_s": 20_000.0,
    "smtp_per_s": 500.0,
    "argon2_per_s": 20.0,
}


def _step(offered: float, delivered: float, sustained: bool, **more: float) -> dict[str, float]:
    return {
        "offered_per_s": offered,
        "fired_per_s": offered,
        "delivered_in_window_per_s": delivered,
        "sustained": float(sustained),
        "missing": 0.0,
        **more,
    }


def _result() -> dict[str, Any]:
    return {
        "started_at": "2026-12-02T03:00:00+00:00",
        "baselines": BASELINES,
        "scenarios": {
            "import": {"records": 1000, "records_per_s": 5000.0, "complete": True, "held": 1000},
            "resets": {
                "steps": [_step(100, 100, True), _step(200, 150, False)],
                "best_rate": 100.0,
                "overload": {"2": _step(200, 95, False, drain_seconds=4.0)},
                "latency": _step(50, 50, True, latency_p50_s=0.05, latency_p99_s=0.12),
            },
            "login": {
                "clients": {"2": {"logins_per_s": 18.0, "failures": 0.0}},
                "argon2_params": "argon2id t=2, m=19456 KiB, p=1",
                "argon2_processes": 2,
            },
        },
        "errors": {"replay": "first pass: 5 of 10 emails sent after 60 s"},
    }


def test_each_scenario_is_shown_beside_its_baseline_with_the_ratio() -> None:
    lines = {line.scenario: line for line in table.lines_of(_result())}

    imported = lines["import 1,000 ClientImported (identity + client-registry)"]
    assert (imported.figure, imported.ratio) == ("5,000 records/s", 0.25)
    best = lines["reset storm: highest sustained rate (tried 100+, 200-)"]
    assert best.baseline == "slowest stage: aiosmtplib send 500/s"
    assert (best.figure, best.ratio) == ("100 resets/s", 0.2)
    assert lines["reset storm at 2x the sustained rate"].ratio == 0.95
    assert lines["  backlog drained after the 2x run"].figure == "4.0 s"
    assert lines["reset request -> SMTP accepted, at 50.0/s"].figure == "p50 50 ms, p99 120 ms"
    assert lines["login, 2 concurrent clients"].ratio == 0.9
    assert lines["replay"].figure == "FAILED: first pass: 5 of 10 emails sent after 60 s"
    assert lines["raw: aiokafka consume"].figure == "40,000/s"


def test_an_incomplete_import_says_so_and_a_scenario_not_run_is_not_shown() -> None:
    result = _result()
    result["scenarios"]["import"] |= {"complete": False, "held": 400, "records_per_s": 40.0}
    del result["scenarios"]["login"]

    lines = table.lines_of(result)

    assert lines[0].figure == "40.0 records/s (INCOMPLETE: 400 held at the deadline)"
    assert not any(line.scenario.startswith("login") for line in lines)


def test_the_text_table_aligns_its_columns_and_markdown_escapes_pipes() -> None:
    lines = [table.Line("a", "1/s", "raw 2/s", 0.5), table.Line("longer | name", "3/s")]

    text = table.render_text(lines).splitlines()
    markdown = table.render_markdown(lines).splitlines()

    assert text[0].index("figure") == text[2].index("1/s") == len("longer | name") + 2
    assert text[2].endswith("0.500") and text[3].endswith("-")
    assert markdown[1] == "| --- | --- | --- | ---: |"
    assert markdown[3] == "| longer \\| name | 3/s | - | - |"


def test_the_results_are_written_timestamped_and_as_latest(tmp_path: Path) -> None:
    moment = datetime(2026, 12, 2, 3, 4, 5, tzinfo=UTC)

    written = results.write(_result(), tmp_path / "bench", moment)

    names = sorted(p.name for p in written)
    assert names == ["20261202T030405Z.json", "20261202T030405Z.md", "latest.json", "latest.md"]
    assert json.loads((tmp_path / "bench" / "latest.json").read_text()) == _result()
    markdown = (tmp_path / "bench" / "20261202T030405Z.md").read_text()
    assert markdown.startswith("# Frontdesk stack benchmark, 2026-12-02T03:00:00+00:00")
    assert (
        "| import 1,000 ClientImported (identity + client-registry) | 5,000 records/s |" in markdown
    )
