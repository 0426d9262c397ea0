"""Backoff, and waiting out an outage: a server that does not answer is not a bad record.

`RetryPolicy` is the backoff every retry in the kit uses (exponential, with jitter).
`is_outage` tells an error that says PostgreSQL or another server did not answer (a
refused, reset or dropped connection, a timeout, a database starting up or shutting
down) from one that says the input or the code is wrong. `through_outages` calls again
with backoff while the former lasts, so a restart of PostgreSQL neither dead-letters
consumed records nor drops work a request started.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import asyncpg

T = TypeVar("T")

log = logging.getLogger("frontdesk.retries")

_OUTAGES = (
    OSError,  # refused, reset or timed out (TimeoutError is an OSError)
    asyncpg.PostgresConnectionError,  # the connection broke, or could not be made
    asyncpg.exceptions.OperatorInterventionError,  # shutting down, starting up, crashed
    asyncpg.exceptions.TooManyConnectionsError,
)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff and jitter."""

    attempts: int = 4
    first_delay: float = 0.2
    max_delay: float = 5.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        ceiling = min(self.max_delay, self.first_delay * 2.0 ** min(attempt - 1, 60))
        jitter: float = random.random()  # noqa: S311 - jitter, not security
        return ceiling * (0.5 + jitter / 2)


def is_outage(error: BaseException) -> bool:
    """Whether `error` says a server did not answer, rather than that the input or the
    code is wrong."""
    if isinstance(error, asyncpg.InterfaceError):
        return "closed" in str(error)  # a connection PostgreSQL dropped, not misuse
    return isinstance(error, _OUTAGES)


async def through_outages(
    call: Callable[[], Awaitable[T]],
    backoff: RetryPolicy,
    who: str,
    *,
    patience: float | None = None,
) -> T:
    """`call()`, called again with `backoff` while it fails with an outage: for as long
    as it takes, or until `patience` seconds have passed (then the outage is raised).
    Any other error is raised at once. Each wait is logged as a warning naming `who`."""
    loop = asyncio.get_running_loop()
    give_up = None if patience is None else loop.time() + patience
    outages = 0
    while True:
        try:
            return await call()
        except Exception as error:
            outages += 1
            pause = backoff.delay(outages)
            if not is_outage(error) or (give_up is not None and loop.time() + pause > give_up):
                raise
            log.warning(
                f"a server {who} needs is not answering; waiting",
                extra={"outages": outages, "error": type(error).__name__},
            )
        await asyncio.sleep(pause)
