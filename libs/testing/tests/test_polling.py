"""eventually(): returns once the check holds, fails with the check's last assertion."""

from __future__ import annotations

import pytest

from frontdesk_testing import eventually


async def test_it_returns_what_the_check_returned_once_it_holds() -> None:
    calls: list[int] = []

    async def third_time() -> str:
        calls.append(1)
        assert len(calls) >= 3, f"only {len(calls)} calls"
        return "done"

    assert await eventually(third_time, timeout=5, interval=0.001) == "done"
    assert len(calls) == 3


async def test_past_the_deadline_the_last_assertion_is_raised_with_the_checks_name() -> None:
    seen: list[int] = []

    async def never() -> None:
        seen.append(len(seen))
        assert False, f"attempt {seen[-1]}"  # noqa: B011 - the failure under test

    with pytest.raises(AssertionError) as failure:
        await eventually(never, timeout=0.05, interval=0.01)

    message = str(failure.value)
    assert "never still failed after 0.05 s" in message
    assert f"attempt {seen[-1]}" in message and len(seen) >= 2
    assert isinstance(failure.value.__cause__, AssertionError)


async def test_another_exception_ends_the_wait_at_once() -> None:
    calls: list[int] = []

    async def broken() -> None:
        calls.append(1)
        raise KeyError("bug")

    with pytest.raises(KeyError):
        await eventually(broken, timeout=5, interval=0.001)
    assert calls == [1]


async def test_a_check_that_returns_a_bool_is_refused() -> None:
    calls: list[int] = []

    async def compares() -> bool:
        calls.append(1)
        return len(calls) > 5

    with pytest.raises(TypeError, match="assert"):
        await eventually(compares, timeout=1)


async def test_an_exception_named_not_yet_is_a_failed_try() -> None:
    calls: list[int] = []

    async def recovering() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionRefusedError(111, "Connect call failed")
        return "up"

    assert await eventually(recovering, timeout=5, interval=0.001, not_yet=(OSError,)) == "up"
    assert len(calls) == 3


async def test_a_not_yet_exception_past_the_deadline_is_raised_as_the_last_assertion() -> None:
    async def down() -> None:
        raise ConnectionRefusedError(111, "Connect call failed")

    with pytest.raises(AssertionError, match="ConnectionRefusedError") as failure:
        await eventually(down, timeout=0.05, interval=0.01, not_yet=(OSError,))
    assert isinstance(failure.value.__cause__, AssertionError)
