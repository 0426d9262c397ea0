"""The reset storm: anonymous `POST /v1/password-resets` to identity in an open loop.

Each step fires `rate` requests a second for `seconds`, on a schedule, whatever the
answers (identity answers after a uniform delay; a bounded connection pool queues what
it cannot send yet). Every request names a different account with a login, and comes
from a different client address (X-Forwarded-For, which the stack's identity believes
from 127.0.0.1), so no per-address or per-IP quota refuses an email. Each request's
email is then looked for in the dev inbox, by its address; `stats.step_figures` says
what the step achieved.
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import time
from collections.abc import Sequence
from typing import Any

import aiohttp

from ..stackio import Mailbox
from ..stats import RateSearch, Sent, StepWindow, step_figures
from .imports import LoginPool

_TEN = int(ipaddress.IPv4Address("10.0.0.0"))


class Addresses:
    """Client addresses in 10.0.0.0/8, from a random start: a fresh one per request, and
    (very likely) none a previous run used within identity's per-IP hour."""

    def __init__(self) -> None:
        self._next = random.randrange(1 << 24)  # noqa: S311 - spreading, not security

    def take(self) -> str:
        """The next address."""
        self._next = (self._next + 1) % (1 << 24)
        return str(ipaddress.IPv4Address(_TEN + self._next))


async def fire(
    http: aiohttp.ClientSession, emails: Sequence[str], rate: float, ips: Addresses
) -> tuple[float, float, list[Sent]]:
    """Fire one request per address at `rate` a second; (start, end, every request)."""

    async def one(email: str) -> Sent:
        fired = time.time()
        try:
            async with http.post(
                "/v1/password-resets",
                json={"login": email},
                headers={"X-Forwarded-For": ips.take()},
            ) as answer:
                await answer.read()
                return Sent(email, fired, answer.status)
        except (aiohttp.ClientError, TimeoutError) as error:
            return Sent(email, fired, None, type(error).__name__)

    start, origin = time.time(), time.perf_counter()
    tasks = []
    for n, email in enumerate(emails):
        delay = origin + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(email)))
    end = max(start + len(emails) / rate, time.time())
    return start, end, list(await asyncio.gather(*tasks))


class Storm:
    """Runs steps of the storm against identity, each on fresh accounts."""

    def __init__(
        self, http: aiohttp.ClientSession, mailbox: Mailbox, pool: LoginPool, options: Any
    ) -> None:
        self._http, self._mailbox, self._pool = http, mailbox, pool
        self._o = options
        self._ips = Addresses()

    async def step(self, rate: float) -> dict[str, float]:
        """One step at `rate` for the configured seconds, drained to the last email."""
        o = self._o
        count = max(1, round(rate * o.reset_seconds))
        emails = await self._pool.take(count, timeout=o.seed_timeout)
        start, end, sends = await fire(self._http, emails, rate, self._ips)
        await self._mailbox.wait_for(emails, o.drain_timeout + max(0.0, end - time.time()))
        window = StepWindow(rate, start, end, o.reset_grace)
        figures = step_figures(window, sends, self._mailbox.arrived)
        figures["errors"] = float(sum(1 for s in sends if s.status != 202))
        return figures


async def reset_storm(storm: Storm, options: Any, note: Any) -> dict[str, Any]:
    """The search for the highest sustained rate, the overload runs, the latency run."""
    o = options
    search = RateSearch(o.reset_start_rate, o.reset_max_rate, o.reset_refine)
    steps = []
    while (rate := search.next_rate()) is not None:
        figures = await storm.step(rate)
        search.record(rate, bool(figures["sustained"]))
        steps.append(figures)
        note(f"  resets at {rate:g}/s: {_said(figures)}")
    result: dict[str, Any] = {"steps": steps, "best_rate": search.best, "overload": {}}
    if search.best:
        for factor in o.reset_overload:
            figures = await storm.step(search.best * factor)
            result["overload"][f"{factor:g}"] = figures
            note(f"  resets at {factor:g}x ({search.best * factor:g}/s): {_said(figures)}")
    if o.latency_rate > 0:
        result["latency"] = await storm.step(o.latency_rate)
        note(f"  resets at {o.latency_rate:g}/s for latency: {_said(result['latency'])}")
    return result


def _said(f: dict[str, float]) -> str:
    verdict = "sustained" if f["sustained"] else "NOT sustained"
    late = f", p99 {f['latency_p99_s']:.2f} s" if "latency_p99_s" in f else ""
    return (
        f"{verdict}; fired {f['fired_per_s']:.1f}/s, delivered "
        f"{f['delivered_in_window_per_s']:.1f}/s in the window, {f['missing']:.0f} missing, "
        f"{f['errors']:.0f} errors{late}"
    )
