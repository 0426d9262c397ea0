"""UUIDv7 event ids: valid, unique, and ordered by time."""

from __future__ import annotations

import time
import uuid

import pytest

from frontdesk_contracts import ids, uuid7, uuid7_time_ms


def test_an_id_is_a_version_7_rfc_uuid() -> None:
    value = uuid7()

    assert value.version == 7
    assert value.variant == uuid.RFC_4122


def test_an_id_carries_the_time_it_was_made() -> None:
    before = time.time_ns() // 1_000_000
    value = uuid7()
    after = time.time_ns() // 1_000_000

    assert before <= uuid7_time_ms(value) <= after


def test_ids_made_one_after_another_are_increasing_and_unique() -> None:
    values = [uuid7() for _ in range(20_000)]

    assert values == sorted(values)
    assert len(set(values)) == len(values)
    assert [str(v) for v in values] == sorted(str(v) for v in values)


@pytest.fixture
def isolated_generator(monkeypatch: pytest.MonkeyPatch) -> None:
    """Restores the generator's state after a test that fakes the clock."""
    monkeypatch.setattr(ids, "_last_ms", ids._last_ms)
    monkeypatch.setattr(ids, "_last_rand", ids._last_rand)


@pytest.mark.usefixtures("isolated_generator")
def test_ids_stay_increasing_when_the_clock_steps_back(monkeypatch: pytest.MonkeyPatch) -> None:
    first = uuid7()
    monkeypatch.setattr(ids.time, "time_ns", lambda: (uuid7_time_ms(first) - 5_000) * 1_000_000)

    later = [uuid7() for _ in range(100)]

    assert all(a < b for a, b in zip([first, *later], later, strict=False))


@pytest.mark.usefixtures("isolated_generator")
def test_ids_of_a_later_millisecond_sort_after_earlier_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now_ms = time.time_ns() // 1_000_000 + 60_000
    monkeypatch.setattr(ids.time, "time_ns", lambda: now_ms * 1_000_000)
    early = [uuid7() for _ in range(50)]
    monkeypatch.setattr(ids.time, "time_ns", lambda: (now_ms + 1) * 1_000_000)
    late = uuid7()

    assert max(early) < late
    assert uuid7_time_ms(late) == now_ms + 1
