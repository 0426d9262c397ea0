"""JSON logs: one object per line on stdout, carrying the ids of the log_context in scope."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any

import pytest

from frontdesk_kit import configure_logging, current_context, log_context

log = logging.getLogger("frontdesk.identity.imports")

Lines = Callable[[], list[dict[str, Any]]]
JsonLogs = Callable[[], AbstractContextManager[Lines]]


@pytest.fixture
def json_logs(capsys: pytest.CaptureFixture[str]) -> JsonLogs:
    """`with json_logs() as lines:` logs as the identity service; `lines()` parses stdout.

    The root logger's handlers and level are put back on leaving, so later tests (and
    pytest's own log capture) see the logging set-up they expect.
    """

    @contextlib.contextmanager
    def configured() -> Iterator[Lines]:
        root = logging.getLogger()
        handlers, level = root.handlers[:], root.level
        configure_logging("identity")
        try:
            yield lambda: [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        finally:
            root.handlers[:] = handlers
            root.setLevel(level)

    return configured


def test_a_log_line_is_one_json_object_with_the_ids_in_scope(json_logs: JsonLogs) -> None:
    """time, level, service, logger, message, the context's ids and the `extra=` fields."""
    with json_logs() as lines, log_context(correlation_id="c1", event_id="e1"):
        log.info("imported %d clients", 3, extra={"studio_id": "studio-1"})

    [line] = lines()
    assert datetime.fromisoformat(line.pop("time")).utcoffset() == timedelta(0)
    assert line == {
        "level": "info",
        "service": "identity",
        "logger": "frontdesk.identity.imports",
        "message": "imported 3 clients",
        "correlation_id": "c1",
        "event_id": "e1",
        "studio_id": "studio-1",
    }


def test_outside_a_context_there_are_no_ids(json_logs: JsonLogs) -> None:
    """A line logged after the context ended carries neither id."""
    with json_logs() as lines:
        with log_context(correlation_id="c1", event_id="e1"):
            log.warning("inside")
        log.warning("outside")

    inside, outside = lines()
    assert (inside["correlation_id"], inside["event_id"]) == ("c1", "e1")
    assert "correlation_id" not in outside
    assert "event_id" not in outside


def test_nested_contexts_merge_and_restore(json_logs: JsonLogs) -> None:
    """An inner context adds or overrides ids; leaving it brings back the outer ones."""
    with json_logs() as lines, log_context(correlation_id="c1", event_id="e1"):
        with log_context(event_id="e2", studio_id="studio-1"):
            assert current_context() == {
                "correlation_id": "c1",
                "event_id": "e2",
                "studio_id": "studio-1",
            }
            log.info("inner")
        log.info("outer")

    inner, outer = lines()
    assert (inner["correlation_id"], inner["event_id"], inner["studio_id"]) == (
        "c1",
        "e2",
        "studio-1",
    )
    assert (outer["correlation_id"], outer["event_id"]) == ("c1", "e1")
    assert "studio_id" not in outer


def test_an_exception_is_logged_with_its_traceback(json_logs: JsonLogs) -> None:
    """`log.exception` keeps the traceback in the same single line."""
    with json_logs() as lines:
        try:
            raise ValueError("bad row")
        except ValueError:
            log.exception("import failed")

    [line] = lines()
    assert line["level"] == "error"
    assert "ValueError: bad row" in line["exception"]


def test_debug_is_dropped_at_the_default_level(json_logs: JsonLogs) -> None:
    """configure_logging defaults to INFO: debug lines are not written."""
    with json_logs() as lines:
        log.debug("noise")
        log.info("signal")

    assert [line["message"] for line in lines()] == ["signal"]
