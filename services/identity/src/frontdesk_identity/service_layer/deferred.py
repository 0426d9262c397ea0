"""Forgot-password and signup: answered in uniform time, carried out after the answer.

The request is kept in identity's database before anything looks at it (the same write
whoever asks), answered once `uniform_response_seconds` have passed, and only then
carried out, in one transaction that also deletes the kept row. So nothing the work
finds, nor the CPU it takes under load, shows in the answer's time; and a crash after
the answer loses nothing: `carry_out_overdue` does what a dead process left kept.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any, Generic, TypeVar
from uuid import UUID, uuid4

from frontdesk_kit.retries import is_outage

from .deps import Deps
from .unit_of_work import UnitOfWork

log = logging.getLogger("frontdesk.identity.deferred")

R = TypeVar("R")

OVERDUE_SECONDS = 10.0
"""A kept request this old is no longer waiting for its own process (which carries it
out half a second after it arrived, unless overloaded): any instance may do it."""
OVERDUE_PER_ROUND = 100


@dataclass(frozen=True)
class Deferred(Generic[R]):
    """A kind of anonymous request whose work is done after its uniform answer."""

    kind: str
    """The kept row's kind."""
    request: type[R]
    """The dataclass whose fields are kept (JSON) and handed to `work`."""
    work: Callable[[Deps, UnitOfWork, R], Awaitable[None]]
    """The work, in the transaction that also forgets the kept request."""


async def answer_in_uniform_time(deps: Deps, deferred: Deferred[R], request: R) -> None:
    """Keep `request`, return once `uniform_response_seconds` have passed since the call,
    and start its work (`Deps.uniform_work`: bounded, drained at shutdown)."""
    started = time.monotonic()
    request_id = uuid4()
    fields = dataclasses.asdict(request)  # type: ignore[call-overload]
    async with deps.db.transaction() as uow:
        await uow.deferred.add(request_id, deferred.kind, fields, deps.clock())
    answer_at = started + deps.settings.uniform_response_seconds
    await asyncio.sleep(max(0.0, answer_at - time.monotonic()))
    await deps.uniform_work.start(partial(carry_out, deps, [deferred], request_id))


async def carry_out(deps: Deps, kinds: Sequence[Deferred[Any]], request_id: UUID) -> None:
    """Do the kept request's work and forget it, in one transaction; nothing when it was
    done already or is being done elsewhere. Work that fails other than by an outage
    would fail again: the request is forgotten and the error raised (logged, counted)."""
    try:
        async with deps.db.transaction() as uow:
            taken = await uow.deferred.take(request_id)
            if taken is None:
                return
            kind, fields = taken
            deferred = next(d for d in kinds if d.kind == kind)
            await deferred.work(deps, uow, deferred.request(**fields))
            await uow.deferred.remove(request_id)
    except Exception as error:
        if not is_outage(error):
            async with deps.db.transaction() as uow:
                await uow.deferred.remove(request_id)
        raise


async def carry_out_overdue(deps: Deps, kinds: Sequence[Deferred[Any]]) -> int:
    """Carry out, one after the other, up to `OVERDUE_PER_ROUND` requests kept longer
    than `OVERDUE_SECONDS` (their process died, or is far behind); how many were found."""
    moment = deps.clock() - timedelta(seconds=OVERDUE_SECONDS)
    async with deps.db.transaction() as uow:
        overdue = await uow.deferred.received_before(moment, OVERDUE_PER_ROUND)
    for request_id in overdue:
        await carry_out(deps, kinds, request_id)
    if overdue:
        log.info("overdue requests carried out", extra={"requests": len(overdue)})
    return len(overdue)
