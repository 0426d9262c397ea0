"""The stack suite's one table: scenario, figure, the raw baseline measured in the same
run, and the ratio of the two; as aligned text for the terminal and as Markdown.

`lines_of(result)` reads the suite's result (see `stack.stack_suite`); a scenario that
failed or was not run shows as such, never as a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

HEADER = ("scenario", "figure", "raw baseline, same run", "ratio")

# baseline key -> how the table names it
BASELINES = {
    "kafka_produce_per_s": "aiokafka produce",
    "kafka_consume_per_s": "aiokafka consume",
    "pg_tx_per_s": "asyncpg 2-row transactions",
    "pg_copy_per_s": "asyncpg COPY rows",
    "consume_copy_per_s": "aiokafka consume + asyncpg COPY",
    "smtp_per_s": "aiosmtplib send",
    "argon2_per_s": "argon2-cffi verify",
}
# the stages a password-reset email crosses: its slowest is the storm's baseline
RESET_STAGES = ("kafka_produce_per_s", "kafka_consume_per_s", "pg_tx_per_s", "smtp_per_s")


@dataclass(frozen=True)
class Line:
    """One row of the table."""

    scenario: str
    figure: str
    baseline: str = "-"
    ratio: float | None = None


def rate(value: float) -> str:
    """A rate as the table prints it: whole numbers from 100 up, one decimal below."""
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def ms(seconds: float) -> str:
    """Seconds as milliseconds."""
    return f"{seconds * 1000:,.0f} ms"


def _baseline(baselines: dict[str, float], key: str) -> tuple[str, float | None]:
    if key not in baselines:
        return "-", None
    return f"{BASELINES[key]} {rate(baselines[key])}/s", baselines[key]


def _ratio(value: float, base: float | None) -> float | None:
    return value / base if base else None


def import_lines(fig: dict[str, Any], baselines: dict[str, float]) -> list[Line]:
    """The import scenario: records/s until both services hold every record."""
    text, base = _baseline(baselines, "consume_copy_per_s")
    done = "" if fig["complete"] else f" (INCOMPLETE: {fig['held']:,.0f} held at the deadline)"
    figure = f"{rate(fig['records_per_s'])} records/s{done}"
    name = f"import {fig['records']:,.0f} ClientImported (identity + client-registry)"
    return [Line(name, figure, text, _ratio(fig["records_per_s"], base))]


def reset_lines(fig: dict[str, Any], baselines: dict[str, float]) -> list[Line]:
    """The reset storm: the best sustained rate, the overload runs, the latency run."""
    stages = [k for k in RESET_STAGES if k in baselines]
    slowest = min(stages, key=lambda k: baselines[k]) if stages else None
    text, base = _baseline(baselines, slowest) if slowest else ("-", None)
    best = fig.get("best_rate")
    tried = ", ".join(
        f"{rate(s['offered_per_s'])}{'+' if s['sustained'] else '-'}" for s in fig["steps"]
    )
    lines = [
        Line(
            f"reset storm: highest sustained rate (tried {tried})",
            f"{rate(best)} resets/s" if best else "none sustained",
            f"slowest stage: {text}",
            _ratio(best, base) if best else None,
        )
    ]
    for factor, run in fig.get("overload", {}).items():
        lines += _overload_lines(factor, run, best)
    latency = fig.get("latency")
    if latency and "latency_p50_s" in latency:
        lines.append(
            Line(
                f"reset request -> SMTP accepted, at {rate(latency['offered_per_s'])}/s",
                f"p50 {ms(latency['latency_p50_s'])}, p99 {ms(latency['latency_p99_s'])}",
            )
        )
    return lines


def _overload_lines(factor: str, run: dict[str, float], best: float | None) -> list[Line]:
    delivered = run["delivered_in_window_per_s"]
    figure = f"{rate(delivered)} delivered/s at {rate(run['offered_per_s'])}/s offered"
    if run["fired_per_s"] < 0.95 * run["offered_per_s"]:
        figure += f" (the generator fired only {rate(run['fired_per_s'])}/s)"
    lines = [
        Line(
            f"reset storm at {factor}x the sustained rate",
            figure,
            f"best sustained {rate(best)}/s" if best else "-",
            _ratio(delivered, best),
        )
    ]
    if "drain_seconds" in run:
        missing = f", {run['missing']:,.0f} never arrived" if run["missing"] else ""
        lines.append(
            Line(
                f"  backlog drained after the {factor}x run",
                f"{run['drain_seconds']:.1f} s{missing}",
            )
        )
    return lines


def replay_lines(fig: dict[str, Any], baselines: dict[str, float]) -> list[Line]:
    """The replay: its first pass (every event handled, every email sent) and the replay."""
    text, base = _baseline(baselines, "kafka_consume_per_s")
    n = f"{fig['events']:,.0f}"
    first = (
        f"{rate(fig['first_pass_handled_per_s'])} events/s handled, "
        f"{rate(fig['first_pass_sent_per_s'])} emails/s sent"
    )
    again = (
        f"{rate(fig['replay_per_s'])} events/s, {fig['emails_during_replay']:,.0f} emails sent, "
        f"{fig['messages_queued_during_replay']:,.0f} messages queued"
    )
    return [
        Line(
            f"notifications first pass over {n} events",
            first,
            text,
            _ratio(fig["first_pass_handled_per_s"], base),
        ),
        Line(
            f"notifications replay from earliest over {n} events",
            again,
            text,
            _ratio(fig["replay_per_s"], base),
        ),
    ]


def login_lines(fig: dict[str, Any], baselines: dict[str, float]) -> list[Line]:
    """The logins at each concurrency, beside raw argon2 verifies on every core."""
    text, base = _baseline(baselines, "argon2_per_s")
    if base is not None and "argon2_params" in fig:
        text += f" ({fig['argon2_params']}, {fig['argon2_processes']:.0f} processes)"
    lines = []
    for clients, run in fig["clients"].items():
        failed = f", {run['failures']:,.0f} FAILED" if run["failures"] else ""
        lines.append(
            Line(
                f"login, {clients} concurrent clients",
                f"{rate(run['logins_per_s'])} logins/s{failed}",
                text,
                _ratio(run["logins_per_s"], base),
            )
        )
    return lines


SCENARIOS = {
    "import": import_lines,
    "resets": reset_lines,
    "replay": replay_lines,
    "login": login_lines,
}


def lines_of(result: dict[str, Any]) -> list[Line]:
    """Every line of the table: the scenarios run (or why they failed), then the baselines."""
    baselines: dict[str, float] = result.get("baselines", {})
    lines: list[Line] = []
    for name, build in SCENARIOS.items():
        if name in result.get("errors", {}):
            lines.append(Line(name, f"FAILED: {result['errors'][name]}"))
        elif name in result.get("scenarios", {}):
            lines += build(result["scenarios"][name], baselines)
    for key, label in BASELINES.items():
        if key in baselines:
            lines.append(Line(f"raw: {label}", f"{rate(baselines[key])}/s"))
    return lines


def _cells(line: Line) -> tuple[str, str, str, str]:
    return (
        line.scenario,
        line.figure,
        line.baseline,
        "-" if line.ratio is None else f"{line.ratio:.3f}",
    )


def render_text(lines: list[Line]) -> str:
    """The table as aligned columns."""
    rows = [HEADER, *(_cells(line) for line in lines)]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    out = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)


def render_markdown(lines: list[Line]) -> str:
    """The table in Markdown."""
    rows = [HEADER, ("---", "---", "---", "---:"), *(_cells(line) for line in lines)]
    return "\n".join("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows)
