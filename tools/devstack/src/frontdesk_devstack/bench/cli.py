"""`python -m frontdesk_devstack.bench [stack|relay|emails] [options]`: run one suite, print it.

With no suite named it runs `stack` (what `make bench` runs): the scenarios of issue #13
against the running stack, one table, the results under `.local/bench/`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from . import report, results, suites, table
from .config_options import resolve, stack_options
from .fixtures import BenchError
from .scenarios.relay import TX_SIZE
from .stack import stack_suite

Suite = Callable[[argparse.Namespace], Awaitable[dict[str, Any]]]
SUITES: dict[str, Suite] = {
    "stack": stack_suite,
    "relay": suites.relay_suite,
    "emails": suites.emails_suite,
}


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The suite to run (`args.suite`) and its options."""
    words = list(sys.argv[1:] if argv is None else argv)
    if not words or (words[0] not in SUITES and words[0] not in ("-h", "--help")):
        words.insert(0, "stack")
    parser = argparse.ArgumentParser(
        prog="python -m frontdesk_devstack.bench",
        description="Benchmarks on the local stack (start it with `make up`); `stack` when "
        "no suite is named.",
    )
    chosen = parser.add_subparsers(dest="suite", required=True)
    stack_options(chosen.add_parser("stack", help="issue #13's scenarios on the running stack"))
    _relay_options(chosen.add_parser("relay", help="outbox relay against raw aiokafka"))
    _emails_options(chosen.add_parser("emails", help="sender loop against raw aiosmtplib"))
    args = parser.parse_args(words)
    return resolve(args) if args.suite == "stack" else args


def _relay_options(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Outbox relay throughput against raw aiokafka publishing, on the local "
        "Kafka and PostgreSQL (start them with `python -m frontdesk_devstack up`)."
    )
    parser.add_argument(
        "--events", type=_positive, default=20000, metavar="N", help="events per phase (20000)"
    )
    parser.add_argument(
        "--batch-size", type=_positive, default=500, help="the relay's batch_size (500)"
    )
    parser.add_argument(
        "--repeat", type=_positive, default=3, metavar="R", help="repeats; median, min, max (3)"
    )
    parser.add_argument(
        "--writers",
        type=_positive,
        default=4,
        metavar="W",
        help=f"concurrent writers filling the outbox, {TX_SIZE} events per transaction (4)",
    )
    parser.add_argument(
        "--no-end-to-end",
        dest="end_to_end",
        action="store_false",
        help="skip the phase where writers commit while the relay runs",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")


def _emails_options(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Sustained emails/s of notifications' sender loop beside the raw aiosmtplib send "
        "rate, to the same SMTP server (a private devmail unless --smtp names one)."
    )
    parser.add_argument("--messages", type=_positive, default=1000, metavar="N")
    parser.add_argument("--concurrency", type=_positive, default=4, metavar="C")
    parser.add_argument("--smtp", default=None, help="HOST:PORT of a running SMTP server")
    parser.add_argument("--json", action="store_true", help="print only the JSON line")


def _rendered(args: argparse.Namespace, result: dict[str, Any]) -> str:
    if args.suite == "stack":
        return (
            json.dumps(result, indent=2) if args.json else table.render_text(table.lines_of(result))
        )
    if args.suite == "relay":
        return json.dumps(result, indent=2) if args.json else report.render_relay(result)
    line = json.dumps(result)
    return line if args.json else f"{line}\n{report.render_emails(result)}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen suite; 0 when it ran and its checks passed."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    async def guarded() -> dict[str, Any]:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGTERM, task.cancel)  # clean up on SIGTERM too
        return await SUITES[args.suite](args)

    try:
        result = asyncio.run(guarded())
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except TimeoutError:
        print("error: a phase took too long (see the warnings above)", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, asyncio.CancelledError):
        print(
            "interrupted; this run's topics and databases were removed "
            "(unless a warning above names some left behind)",
            file=sys.stderr,
        )
        return 130
    if args.suite == "stack":
        written = results.write(result, args.out, datetime.fromisoformat(result["started_at"]))
        print(f"results: {written[0]} and {written[1]}", file=sys.stderr)
    print(_rendered(args, result))
    return 0 if result.get("ok", True) else 1
