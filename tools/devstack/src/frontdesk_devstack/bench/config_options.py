"""The `stack` suite's options: sizes, rates and durations, each with its full-run
default and its `--smoke` default (tiny sizes, for `make test`)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config import StackConfig

SCENARIOS = ("import", "resets", "replay", "login")


def _numbers(kind: Callable[[str], Any]) -> Callable[[str], list[Any]]:
    def parse(text: str) -> list[Any]:
        try:
            values = [kind(part) for part in text.split(",") if part.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected comma-separated numbers, got {text!r}"
            ) from None
        if any(v <= 0 for v in values):
            raise argparse.ArgumentTypeError(f"every number must be above 0, got {text!r}")
        return values

    return parse


def _scenarios(text: str) -> list[str]:
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    unknown = sorted(set(chosen) - set(SCENARIOS))
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"choose from {','.join(SCENARIOS)}; got {text!r}")
    return [s for s in SCENARIOS if s in chosen]


# option: (type, full-run default, smoke default, help)
SIZES: dict[str, tuple[Callable[[str], Any], Any, Any, str]] = {
    "imports": (
        int,
        100_000,
        200,
        "ClientImported records of the import, and of the raw Kafka/COPY baselines",
    ),
    "import_studios": (
        int,
        20,
        4,
        "bench studios the imports (and the storm's accounts) are spread over",
    ),
    "reset_seconds": (float, 30.0, 3.0, "seconds each reset-storm step fires for"),
    "reset_start_rate": (
        float,
        25.0,
        5.0,
        "first rate (resets/s) of the search; doubled while sustained",
    ),
    "reset_max_rate": (float, 1600.0, 5.0, "highest rate the search tries"),
    "reset_refine": (int, 1, 0, "halvings of the gap between best and first failed rate"),
    "reset_overload": (
        _numbers(float),
        [2.0, 10.0],
        [2.0, 10.0],
        "overload factors of the best rate",
    ),
    "reset_grace": (float, 2.0, 10.0, "seconds after a step within which every email must arrive"),
    "reset_connections": (int, 512, 64, "HTTP connections of the storm's pool"),
    "latency_rate": (
        float,
        50.0,
        5.0,
        "rate of the latency step (request -> SMTP p50/p99); 0 skips",
    ),
    "drain_timeout": (float, 300.0, 60.0, "seconds to wait for a step's last email"),
    "seed_timeout": (float, 600.0, 60.0, "seconds identity may take to hold a step's accounts"),
    "replay_events": (int, 100_000, 200, "events notifications handles, then replays"),
    "login_seconds": (float, 30.0, 2.0, "seconds of each login run"),
    "login_clients": (
        _numbers(int),
        [2, 8, 32],
        [2, 8, 32],
        "concurrent login clients, one run each",
    ),
    "baseline_seconds": (float, 5.0, 1.0, "seconds of each timed raw baseline"),
    "timeout": (float, 1800.0, 60.0, "seconds a phase may take before it counts as failed"),
}


def stack_options(parser: argparse.ArgumentParser) -> None:
    """The stack suite's options on its sub-parser."""
    parser.description = (
        "Issue #13's scenarios against the running stack (import, reset storm, replay, "
        "login) beside raw baselines measured in the same run; one table, and the results "
        "as JSON and Markdown under the results folder."
    )
    parser.add_argument("--only", type=_scenarios, default=list(SCENARIOS), metavar="LIST",
                        help=f"comma-separated scenarios ({','.join(SCENARIOS)})")  # fmt: skip
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (make test)")
    for name, (kind, full, smoke, text) in SIZES.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=kind, default=None,
                            help=f"{text} ({full}; smoke {smoke})")  # fmt: skip
    default_out = StackConfig.from_env().root / "bench"
    parser.add_argument(
        "--out", type=Path, default=default_out, help="results folder (.local/bench)"
    )
    parser.add_argument(
        "--json", action="store_true", help="print the result as JSON, not the table"
    )


def resolve(args: argparse.Namespace) -> argparse.Namespace:
    """Fill every size not given from the full-run or the smoke defaults."""
    for name, (_, full, smoke, _text) in SIZES.items():
        if getattr(args, name) is None:
            setattr(args, name, smoke if args.smoke else full)
    return args
