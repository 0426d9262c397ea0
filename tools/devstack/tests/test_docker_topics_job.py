"""The compose stack's one-shot topics job is `frontdesk topics ensure` (the ops CLI's
`ensure_topics`, which devstack uses too): bad arguments contact nothing, a Kafka that
never answers fails after the wait with a clear message."""

from __future__ import annotations

import time

from typer.testing import CliRunner

from frontdesk_cli.app import app
from frontdesk_cli.topics import ensure_topics
from frontdesk_devstack import topics

CLOSED = "127.0.0.1:9"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--bootstrap", CLOSED, "topics", "ensure", *args])
    return result.exit_code, result.output


def test_devstack_creates_topics_with_the_ops_cli_s_code() -> None:
    assert topics.ensure_topics is ensure_topics


def test_a_bad_argument_is_refused_before_kafka_is_contacted() -> None:
    assert run("--replication-factor", "0") == (
        2,
        "error: --replication-factor must be at least 1\n",
    )
    assert run("--wait", "-1")[0] == 2


def test_a_kafka_that_never_answers_fails_after_the_wait() -> None:
    started = time.monotonic()

    code, output = run("--wait", "1")

    assert code == 1
    assert "did not answer within 1s" in output
    assert time.monotonic() - started < 30
