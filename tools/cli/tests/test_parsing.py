"""Argument parsing and the pure replay rule (what Kafka's reset tool computes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from frontdesk_cli.common import (
    BadArgument,
    OpsFailure,
    group_of,
    parse_datetime,
    parse_duration,
    parse_topic,
)
from frontdesk_cli.dlq import topic_of
from frontdesk_cli.replay import PartitionPlan, Target, choose


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90m", timedelta(minutes=90)),
        ("2h30m", timedelta(hours=2, minutes=30)),
        ("1d", timedelta(days=1)),
        ("45s", timedelta(seconds=45)),
        ("PT1H30M", timedelta(hours=1, minutes=30)),
        ("P1DT2H", timedelta(days=1, hours=2)),
        ("P7D", timedelta(days=7)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "P", "PT", "0m", "-5m", "5 minutes"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(BadArgument):
        parse_duration(text)


def test_times_need_a_zone() -> None:
    assert parse_datetime("2026-01-01T10:00:00+02:00") == datetime(2026, 1, 1, 8, tzinfo=UTC)
    assert parse_datetime("2026-01-01T10:00:00Z") == datetime(2026, 1, 1, 10, tzinfo=UTC)
    with pytest.raises(BadArgument, match="no time zone"):
        parse_datetime("2026-01-01T10:00:00")
    with pytest.raises(BadArgument, match="not a time"):
        parse_datetime("yesterday")


def test_topic_specs() -> None:
    assert parse_topic("t") == ("t", None)
    assert parse_topic("t:2,0,2") == ("t", [0, 2])
    for bad in (":1", "t:", "t:x", "t:-1"):
        with pytest.raises(BadArgument):
            parse_topic(bad)


def test_groups_by_service_or_explicit() -> None:
    assert group_of("notifications", None) == "frontdesk-notifications"
    assert group_of(None, "g") == "g"
    for service, group in [(None, None), ("identity", "g"), ("nope", None), (None, " ")]:
        with pytest.raises(BadArgument):
            group_of(service, group)


def test_dead_letter_topic_is_prefixed_once() -> None:
    assert topic_of("", "frontdesk-identity") == "frontdesk-identity.dlq"
    assert topic_of("t1.", "frontdesk-identity") == "t1.frontdesk-identity.dlq"
    assert topic_of("t1.", "t1.frontdesk-identity") == "t1.frontdesk-identity.dlq"


# start 5, end 20, committed 12
@pytest.mark.parametrize(
    ("target", "at_time", "expected"),
    [
        (Target("earliest"), None, 5),
        (Target("latest"), None, 20),
        (Target("offset", offset=9), None, 9),
        (Target("offset", offset=2), None, 5),  # clamped to the log start
        (Target("offset", offset=99), None, 20),  # clamped to the end
        (Target("shift", offset=-4), None, 8),
        (Target("shift", offset=-40), None, 5),
        (Target("shift", offset=40), None, 20),
        (Target("datetime", at=datetime.now(UTC)), 14, 14),
        (Target("datetime", at=datetime.now(UTC)), None, 20),  # no record that late: end
    ],
)
def test_choose_matches_kafkas_rules(target: Target, at_time: int | None, expected: int) -> None:
    assert choose(target, 5, 20, 12, at_time) == expected


def test_shift_needs_a_committed_offset() -> None:
    with pytest.raises(OpsFailure):
        choose(Target("shift", offset=-1), 0, 10, None, None)


def test_plan_counts_rereads_and_skips() -> None:
    assert PartitionPlan("t", 0, 12, 5, 20).reread == 7
    assert PartitionPlan("t", 0, 12, 15, 20).skipped == 3
    assert PartitionPlan("t", 0, None, 0, 20).reread == 0
