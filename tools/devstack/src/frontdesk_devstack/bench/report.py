"""Rows into results and results into text: the repeats, their summary, the table."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

from .scenarios import Row


def relay_repeat(repeat: int, rows: Sequence[Row]) -> dict[str, Any]:
    """One repeat of the relay suite: each row's figures under its scenario's name, and
    the relay's rate over the raw one."""
    run: dict[str, Any] = {"repeat": repeat}
    for row in rows:
        run[row.scenario] = dict(row.figures)
        if row.scenario == "relay" and "raw" in run:
            run["relay_over_raw"] = run["relay"]["events_per_s"] / run["raw"]["events_per_s"]
    return run


def relay_progress(run: dict[str, Any], repeats: int) -> str:
    """The line printed after each repeat."""
    line = (
        f"repeat {run['repeat']}/{repeats}: raw {run['raw']['events_per_s']:,.0f}/s, "
        f"relay {run['relay']['events_per_s']:,.0f}/s"
    )
    if "end_to_end" in run:
        line += f", end to end {run['end_to_end']['events_per_s']:,.0f}/s"
    return line


def summarise(runs: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Median, min and max over the repeats of every measured figure."""
    figures: dict[str, list[float]] = {}
    for run in runs:
        for phase, value in run.items():
            if isinstance(value, dict):
                for name, number in value.items():
                    figures.setdefault(f"{phase}.{name}", []).append(number)
            elif phase != "repeat":
                figures.setdefault(phase, []).append(value)
    return {
        name: {"median": statistics.median(xs), "min": min(xs), "max": max(xs)}
        for name, xs in figures.items()
    }


# (label, summary key, unit, summary key of the seconds column): one table line each.
RELAY_TABLE = [
    ("raw publish (events/s)", "raw.events_per_s", "/s", "raw.seconds"),
    ("relay draining backlog (events/s)", "relay.events_per_s", "/s", "relay.seconds"),
    ("relay / raw", "relay_over_raw", "x", None),
    ("end to end (events/s)", "end_to_end.events_per_s", "/s", "end_to_end.seconds"),
    ("  writers alone, while relaying (ev/s)", "end_to_end.writers_events_per_s", "/s", None),
    ("  relay lag after last commit (s)", "end_to_end.tail_seconds", "s", None),
    ("outbox fill, untimed phase (events/s)", "fill.events_per_s", "/s", "fill.seconds"),
]
CHECKED = [("raw", "raw publish"), ("relay", "relay drain"), ("e2e", "end to end")]


def render_relay(result: dict[str, Any]) -> str:
    """The relay suite's table, then its exactly-once check, then the verdict."""
    cfg, env, s = result["config"], result["environment"], result["summary"]
    lines = [
        "Frontdesk outbox relay benchmark",
        f"  {cfg['events']:,} AccountImported events per phase, "
        f"record ~{cfg['avg_record_bytes']:.0f} B (value {cfg['avg_value_bytes']:.0f} B, "
        f"{cfg['headers_per_record']} headers), topics of {cfg['partitions']} partitions",
        f"  relay batch_size {cfg['batch_size']}; outbox written by {cfg['writers']} writers, "
        f"{cfg['transaction_size']} events per transaction; {cfg['repeat']} repeats",
        f"  Kafka {env['kafka_bootstrap']}, PostgreSQL {env['postgres_version']}, "
        f"{env['cpus']} CPUs, Python {env['python']}, aiokafka {env['aiokafka']}, "
        f"asyncpg {env['asyncpg']}",
        "",
        f"{'':38}{'median':>10}{'min':>10}{'max':>10}   {'median s':>8}",
    ]
    for label, key, unit, seconds in RELAY_TABLE:
        if key in s:
            lines.append(_table_line(s, label, key, unit, seconds))
    lines += ["", "exactly-once check (every record read back, ce_id headers vs ids written):"]
    for phase, label in CHECKED:
        mine = [c for c in result["checks"] if c["phase"] == phase]
        if mine:
            lines.append(_check_line(label, mine))
    lines.append(
        "result: OK, every record exactly once"
        if result["ok"]
        else "result: FAILED, records lost or duplicated; the figures above are not valid"
    )
    return "\n".join(lines)


def _table_line(
    s: dict[str, dict[str, float]], label: str, key: str, unit: str, seconds: str | None
) -> str:
    fmt = "{:>10,.0f}" if unit == "/s" else "{:>10.3f}"
    secs = f"   {s[seconds]['median']:>8.3f}" if seconds and seconds in s else ""
    return f"{label:<38}" + "".join(fmt.format(s[key][k]) for k in ("median", "min", "max")) + secs


def _check_line(label: str, checks: list[dict[str, Any]]) -> str:
    good = sum(c["ok"] for c in checks)
    worst = max(checks, key=lambda c: (not c["ok"], c["missing"] + c["duplicates"]))
    return (
        f"  {label:<12} {good}/{len(checks)} topics OK; "
        + ("worst: " if good < len(checks) else "each: ")
        + f"{worst['on_topic']:,} on topic, {worst['read']:,} read, "
        f"{worst['distinct_ce_ids']:,} distinct ce_id of {worst['written']:,} written, "
        f"{worst['duplicates']} duplicates, {worst['missing']} missing, "
        f"{worst['unexpected']} unexpected"
    )


def emails_result(
    smtp: str, messages: int, concurrency: int, raw: Row, loop: Row
) -> dict[str, Any]:
    """The emails suite's figures, as one JSON object."""
    raw_rate, loop_rate = raw.figures["emails_per_s"], loop.figures["emails_per_s"]
    return {
        "smtp": smtp,
        "messages": messages,
        "concurrency": concurrency,
        "raw_aiosmtplib_per_s": round(raw_rate, 1),
        "sender_loop_per_s": round(loop_rate, 1),
        "ratio": round(loop_rate / raw_rate, 2),
    }


def render_emails(result: dict[str, Any]) -> str:
    """The emails suite in one sentence."""
    return (
        f"sender loop: {result['sender_loop_per_s']} emails/s sustained; raw aiosmtplib: "
        f"{result['raw_aiosmtplib_per_s']} emails/s ({result['messages']} messages, "
        f"{result['concurrency']} connections, same SMTP server {result['smtp']})"
    )
