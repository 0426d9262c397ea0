"""FakeClock: stands still, moves forward when told, never back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from frontdesk_testing import FakeClock


def test_it_stands_still_until_advanced() -> None:
    clock = FakeClock()
    start = clock()

    assert clock() == clock.now() == start and start.tzinfo is UTC
    assert clock.advance(days=8) == start + timedelta(days=8) == clock()
    assert clock.advance(timedelta(hours=1), seconds=1) == start + timedelta(days=8, seconds=3601)
    assert clock.timestamp() == clock().timestamp()


def test_it_starts_where_it_is_told_and_only_with_a_time_zone() -> None:
    assert FakeClock(datetime(2030, 1, 1, tzinfo=UTC))() == datetime(2030, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="aware"):
        FakeClock(datetime(2030, 1, 1))  # the mistake under test


def test_it_never_goes_back() -> None:
    clock = FakeClock()
    before = clock()

    with pytest.raises(ValueError, match="forward"):
        clock.advance(seconds=-1)
    assert clock() == before
