"""`python -m frontdesk_devstack.chaos [options]` (`make chaos`): the faults under load,
the races, the enumeration timings; tables on stdout, results in `.local/chaos/`.

Exit status 0 when every figure is as the design promises: nothing lost, duplicates
only from the send-window kill (and from a kill that happened to land in the window),
one winner per race, equal answers and medians within 5 ms; 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from ..bench.stackio import Stack
from ..config import StackConfig
from . import enumeration, races
from .load import Mix
from .suite import Outcome, chosen_steps, full_steps, run_steps

PARTS = {"faults", "races", "enumeration"}
PARTS_HELP = "faults, races, enumeration"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m frontdesk_devstack.chaos",
        description="Crashes, outages and races against the running stack (make up first).",
    )
    parser.add_argument("--lead", type=float, default=10.0, help="seconds of load around a fault")
    parser.add_argument(
        "--drain", type=float, default=300.0, help="most seconds to wait at the end"
    )
    parser.add_argument("--creates", type=float, default=2.0, help="admin creates per second")
    parser.add_argument("--resets", type=float, default=1.0, help="forgot-password per second")
    parser.add_argument("--signups", type=float, default=0.25, help="signups (merging) per second")
    parser.add_argument("--refuse-seconds", type=float, default=60.0)
    parser.add_argument("--tempfail-seconds", type=float, default=30.0)
    parser.add_argument("--samples", type=int, default=200, help="enumeration timings per side")
    parser.add_argument(
        "--steps",
        default="",
        help="comma-separated words: run only the fault steps whose name holds one "
        "(case-insensitive)",
    )
    parser.add_argument(
        "--only",
        default=PARTS_HELP.replace(" ", ""),
        help=f"comma-separated parts to run: {PARTS_HELP}",
    )
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    parts = {p.strip() for p in args.only.split(",") if p.strip()}
    if unknown := parts - PARTS:
        raise SystemExit(
            f"--only: no part named {', '.join(sorted(unknown))} (parts: {PARTS_HELP})"
        )
    result: dict[str, Any] = {"started": datetime.now(UTC).isoformat(), "ok": True}
    if "faults" in parts:
        mix = Mix(create=args.creates, reset=args.resets, signup=args.signups)
        steps = chosen_steps(full_steps(args.refuse_seconds, args.tempfail_seconds), args.steps)
        outcome = await run_steps(steps, mix, lead=args.lead, drain=args.drain)
        print(render_faults(outcome))
        result["faults"] = {
            "rows": [r.as_dict() for r in outcome.rows],
            "lost": outcome.lost,
            "notes": outcome.notes,
        }
        result["ok"] &= outcome.ok
    stack = Stack.load()
    tag = uuid.uuid4().hex[:8]
    if "races" in parts:
        found = await races.run_races(stack, tag)
        print(render_races(found))
        result["races"] = [asdict(r) | {"ok": r.ok} for r in found]
        result["ok"] &= all(r.ok for r in found)
    if "enumeration" in parts:
        pairs = await enumeration.measure(stack, tag, samples=args.samples)
        print(enumeration.render(pairs))
        result["enumeration"] = [asdict(p) | {"ok": p.ok} for p in pairs]
        result["ok"] &= all(p.ok for p in pairs)
    return result


def render_faults(outcome: Outcome) -> str:
    lines = [
        "fault | offered | accepted | effected | lost | duplicated (allowed) | merges | recovery s",
        "---|---|---|---|---|---|---|---",
    ]
    for row in outcome.rows:
        c, (low, high) = row.count, row.duplicates
        allowed = f"{low}" if low == high else f"{low}-{high}"
        recovery = "-" if row.recovery_seconds is None else f"{row.recovery_seconds:.1f}"
        mark = "" if row.ok else "  <-- FAILED"
        lines.append(
            f"{c.name} | {c.offered} | {c.accepted} | {c.effected} | {c.lost} | "
            f"{c.duplicated} ({allowed}) | {c.merges} | {recovery}{mark}"
        )
    lines += [f"lost: {item}" for item in outcome.lost[:20]]
    lines += [f"note: {note}" for note in outcome.notes]
    return "\n".join(lines)


def render_races(found: Sequence[races.RaceResult]) -> str:
    lines = [
        "race | requests at once | took effect (expected) | what they answered",
        "---|---|---|---",
    ]
    for r in found:
        mark = "" if r.ok else "  <-- FAILED: " + "; ".join(r.problems)
        lines.append(f"{r.name} | {r.attempts} | {r.winners} ({r.expected}) | {r.detail}{mark}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    result = asyncio.run(run(args))
    folder = StackConfig.from_env().dir("chaos")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for name in (f"{stamp}.json", "latest.json"):
        (folder / name).write_text(json.dumps(result, indent=2, default=str))
    print(f"{'ok' if result['ok'] else 'FAILED'}: results in {folder / 'latest.json'}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
