"""The benchmark's pure parts: which suite runs, how rows become repeats, a summary, a
table, and the exactly-once verdict. (The measurements themselves need the stack.)"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from frontdesk_devstack.bench import report
from frontdesk_devstack.bench.checks import tally
from frontdesk_devstack.bench.cli import parse_args
from frontdesk_devstack.bench.scenarios import Row
from frontdesk_devstack.bench.scenarios.relay import build_events, on_topic, record_size


def test_with_no_suite_named_the_stack_suite_runs_as_make_bench_does() -> None:
    args = parse_args([])
    assert (args.suite, args.imports, args.replay_events, args.login_clients) == (
        "stack",
        100_000,
        100_000,
        [2, 8, 32],
    )
    assert args.only == ["import", "resets", "replay", "login"]


def test_the_relay_suite_runs_by_name() -> None:
    args = parse_args(["relay", "--events", "5000", "--no-end-to-end", "--json"])
    assert (args.suite, args.events, args.end_to_end, args.json) == ("relay", 5000, False, True)


def test_smoke_takes_tiny_sizes_but_an_explicit_option_wins() -> None:
    args = parse_args(["--smoke", "--imports", "300", "--only", "login,import"])

    assert (args.imports, args.replay_events, args.reset_seconds) == (300, 200, 3.0)
    assert args.only == ["import", "login"]  # in the suite's order


@pytest.mark.parametrize("bad", [["--only", "imports"], ["--login-clients", "2,0"]])
def test_the_stack_suite_refuses_unknown_scenarios_and_zero_clients(bad: list[str]) -> None:
    with pytest.raises(SystemExit) as refused:
        parse_args(bad)
    assert refused.value.code == 2


def test_the_emails_suite_takes_its_own_options() -> None:
    args = parse_args(["emails", "--messages", "50", "--smtp", "127.0.0.1:1025"])

    assert (args.suite, args.messages, args.concurrency, args.smtp) == (
        "emails",
        50,
        4,
        "127.0.0.1:1025",
    )


@pytest.mark.parametrize("bad", [["relay", "--events", "0"], ["emails", "--concurrency", "x"]])
def test_counts_must_be_whole_numbers_of_at_least_one(bad: list[str]) -> None:
    with pytest.raises(SystemExit) as refused:
        parse_args(bad)
    assert refused.value.code == 2


def _repeat(number: int, raw: float, relay: float) -> dict[str, Any]:
    rows = [
        Row("raw", {"seconds": 1000 / raw, "events_per_s": raw}),
        Row("fill", {"seconds": 0.5, "events_per_s": 2000.0}),
        Row("relay", {"seconds": 1000 / relay, "events_per_s": relay}),
    ]
    return report.relay_repeat(number, rows)


def test_a_repeat_holds_each_rows_figures_and_the_relays_ratio_to_raw() -> None:
    run = _repeat(1, raw=10_000.0, relay=2_500.0)

    assert list(run) == ["repeat", "raw", "fill", "relay", "relay_over_raw"]
    assert run["relay_over_raw"] == 0.25
    assert report.relay_progress(run, 3) == "repeat 1/3: raw 10,000/s, relay 2,500/s"


def test_the_summary_is_median_min_and_max_of_every_figure() -> None:
    runs = [_repeat(r, raw=raw, relay=1000.0) for r, raw in enumerate((9e3, 11e3, 10e3), 1)]

    summary = report.summarise(runs)

    assert summary["raw.events_per_s"] == {"median": 10e3, "min": 9e3, "max": 11e3}
    assert summary["relay_over_raw"]["max"] == 1000.0 / 9e3
    assert "repeat" not in summary


def test_the_table_shows_the_measured_lines_and_a_failed_check_says_so() -> None:
    runs = [_repeat(1, raw=10_000.0, relay=2_500.0)]
    checks = [{"phase": "relay", **tally("t", {"a", "b"}, 2, Counter({"a": 2}))}]
    result = {
        "config": {
            "events": 1000, "avg_record_bytes": 929.0, "avg_value_bytes": 536.0,
            "headers_per_record": 11, "partitions": 6, "batch_size": 500, "writers": 4,
            "transaction_size": 100, "repeat": 1,
        },
        "environment": {
            "kafka_bootstrap": "k:1", "postgres_version": "15", "cpus": 2, "python": "3.11",
            "aiokafka": "0.14", "asyncpg": "0.32",
        },
        "summary": report.summarise(runs),
        "checks": checks,
        "ok": False,
    }  # fmt: skip

    text = report.render_relay(result)

    assert "raw publish (events/s)                    10,000" in text
    assert "relay / raw                                0.250" in text
    assert "end to end" not in text.split("exactly-once")[0]  # not measured, not shown
    assert "relay drain  0/1 topics OK; worst: 2 on topic, 2 read" in text
    assert "1 duplicates, 1 missing" in text
    assert text.endswith(
        "result: FAILED, records lost or duplicated; the figures above are not valid"
    )


def test_the_check_passes_only_when_every_id_came_exactly_once() -> None:
    assert tally("t", {"a", "b"}, 2, Counter({"a": 1, "b": 1}))["ok"] is True
    late = tally("t", {"a", "b"}, 3, Counter({"a": 1, "b": 1, "c": 1}))
    assert (late["ok"], late["unexpected"]) == (False, 1)


def test_the_emails_result_and_sentence_keep_their_shape() -> None:
    raw = Row("raw_aiosmtplib", {"seconds": 2.0, "emails_per_s": 61.54})
    loop = Row("sender_loop", {"seconds": 2.5, "emails_per_s": 53.14})

    result = report.emails_result("127.0.0.1:1025", 200, 4, raw, loop)

    assert result == {
        "smtp": "127.0.0.1:1025",
        "messages": 200,
        "concurrency": 4,
        "raw_aiosmtplib_per_s": 61.5,
        "sender_loop_per_s": 53.1,
        "ratio": 0.86,
    }
    assert report.render_emails(result).startswith("sender loop: 53.1 emails/s sustained")


def test_every_event_is_one_account_and_keeps_its_id_on_another_topic() -> None:
    events = build_events(3)

    moved = on_topic(events, "bench.x.raw.1")

    assert len({event_id for event_id, _ in events}) == 3
    assert [i for i, _ in moved] == [i for i, _ in events]
    assert {rec.topic for _, rec in moved} == {"bench.x.raw.1"}
    assert all(record_size(rec) > len(rec.value) for _, rec in events)
