"""Work a request does not wait for: started at once, bounded, logged when it fails,
finished by drain."""

from __future__ import annotations

import asyncio
import logging

import pytest

from frontdesk_kit import RetryPolicy
from frontdesk_kit.background import BackgroundWork

QUICK = RetryPolicy(first_delay=0.001, max_delay=0.005)


async def test_start_returns_before_the_work_is_done_and_drain_waits_for_it():
    work, gate, done = BackgroundWork(4, "test work"), asyncio.Event(), []

    async def slow() -> None:
        await gate.wait()
        done.append(1)

    await work.start(slow)
    assert (work.running, done) == (1, [])
    gate.set()
    await work.drain()
    assert (work.running, done) == (0, [1])


async def test_a_full_set_makes_the_next_start_wait_for_a_slot():
    work, gate = BackgroundWork(1, "test work"), asyncio.Event()
    await work.start(gate.wait)
    second = asyncio.create_task(work.start(lambda: asyncio.sleep(0)))
    await asyncio.sleep(0.05)
    assert not second.done(), "a second piece started beyond the limit"
    gate.set()
    await asyncio.wait_for(second, 5)
    await work.drain()
    assert work.running == 0


async def test_a_failure_is_logged_by_type_and_counted_and_frees_its_slot(caplog):
    work = BackgroundWork(1, "test work")

    async def fails() -> None:
        raise ValueError("secret-looking detail")

    with caplog.at_level(logging.ERROR, logger="frontdesk.background"):
        await work.start(fails)
        await work.drain()
        await asyncio.wait_for(work.start(lambda: asyncio.sleep(0)), 5)
    assert work.failed == 1
    [record] = caplog.records
    assert record.getMessage() == "test work failed"
    assert record.error == "ValueError"  # type: ignore[attr-defined]
    assert "secret-looking detail" not in caplog.text


async def test_drain_gives_up_after_its_timeout():
    work = BackgroundWork(1, "test work")
    await work.start(asyncio.Event().wait)
    await work.drain(timeout=0.05)
    assert work.running == 1
    for task in list(work._running):
        task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.gather(*work._running)


async def test_work_an_outage_interrupted_is_started_again_until_it_succeeds():
    """PostgreSQL restarting under a forgot-password: the answer was given, so the work
    is done again once the database answers (its transaction had not committed)."""
    work, calls = BackgroundWork(1, "test work", backoff=QUICK), []

    async def through_a_restart() -> None:
        calls.append(1)
        if len(calls) <= 3:
            raise ConnectionRefusedError(111, "Connect call failed")

    await work.start(through_a_restart)
    await work.drain(timeout=5)
    assert (len(calls), work.failed) == (4, 0)


async def test_an_outage_longer_than_the_patience_counts_as_a_failure(caplog):
    work, calls = BackgroundWork(1, "test work", patience=0.05, backoff=QUICK), []

    async def down() -> None:
        calls.append(1)
        raise ConnectionRefusedError(111, "Connect call failed")

    with caplog.at_level(logging.ERROR, logger="frontdesk.background"):
        await work.start(down)
        await work.drain(timeout=5)
    assert work.failed == 1 and len(calls) > 1
    assert [r.error for r in caplog.records] == ["ConnectionRefusedError"]  # type: ignore[attr-defined]


async def test_an_error_that_is_no_outage_is_not_tried_again():
    work, calls = BackgroundWork(1, "test work", backoff=QUICK), []

    async def wrong() -> None:
        calls.append(1)
        raise ValueError("bad input")

    await work.start(wrong)
    await work.drain(timeout=5)
    assert (len(calls), work.failed) == (1, 1)
