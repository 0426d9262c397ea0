"""Waiting for something that happens across Kafka, a database or a mailbox, with a deadline."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(
    check: Callable[[], Awaitable[T]],
    *,
    timeout: float,
    interval: float = 0.2,
    not_yet: tuple[type[Exception], ...] = (),
) -> T:
    """Await `check()` until it returns without an AssertionError; return what it returned.

    The check says what must hold with `assert` (pytest rewrites those in test modules,
    so the failure shows the values). Once `timeout` seconds have passed, the last
    AssertionError is raised again, naming the check and how long it was given. Any
    other exception ends the wait at once: it is a bug, not "not yet" — unless it is
    one of `not_yet` (a server that is down while the check waits for it to recover),
    which counts as a failed try.

    A check that returns a bool is refused: `return x == y` would pass on False, so a
    test written that way could never fail.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    tries = 0
    while True:
        tries += 1
        try:
            value = await _not_yet_as_assertion(check, not_yet)
        except AssertionError as error:
            if loop.time() >= deadline:
                name = getattr(check, "__qualname__", repr(check))
                raise AssertionError(
                    f"{name} still failed after {timeout:g} s ({tries} tries): {error}"
                ) from error
        else:
            if isinstance(value, bool):
                raise TypeError(f"{check!r} returned a bool: state the condition with assert")
            return value
        await asyncio.sleep(interval)


async def _not_yet_as_assertion(
    check: Callable[[], Awaitable[T]], not_yet: tuple[type[Exception], ...]
) -> T:
    try:
        return await check()
    except not_yet as error:
        raise AssertionError(repr(error)) from error
