"""The chaos run: a steady load, the faults one after another, then the count.

Each step runs the load for `lead` seconds, does its fault, measures the recovery (a
probe made when the fault was lifted, until its email and its registry record show),
and runs the load `lead` seconds more. When every step is done the load stops, the
signing-up clients finish, and the run waits (`drain` seconds at most) until every
accepted request shows its effect; then it counts, per step, what was accepted,
effected, lost and duplicated.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from frontdesk_testing import Admin, InboxClient, StandInGateway

from ..bench.stackio import Stack
from ..config import StackConfig
from ..services import IDENTITY, NOTIFICATIONS, REGISTRY
from . import faults
from .faults import Fault, Rig
from .load import FOLLOW_UP_SECONDS, Instances, Mix, SteadyLoad, prepare
from .tally import Count, Window, tally

# A SIGKILL may land while a message is in the SMTP send window (accepted by the server,
# not yet recorded): each such message is sent again, once. notifications has at most
# this many messages in that window at once (SENDER_CONCURRENCY, the local stack's 4).
SEND_WINDOW_AT_ONCE = 4


@dataclass(frozen=True)
class Step:
    """One fault of the run and the duplicates it may cause (at least, at most)."""

    name: str
    fault: Fault | None
    duplicates: tuple[int, int] = (0, 0)
    after: Fault | None = None


def full_steps(refuse_seconds: float = 60.0, tempfail_seconds: float = 30.0) -> list[Step]:
    """Issue #15's faults, in order."""
    kill_window = (0, SEND_WINDOW_AT_ONCE)
    return [
        Step("steady load, no fault", None),
        Step("SIGKILL identity, restarted", faults.kill_service(IDENTITY)),
        Step("SIGKILL client-registry, restarted", faults.kill_service(REGISTRY)),
        Step("SIGKILL notifications, restarted", faults.kill_service(NOTIFICATIONS), kill_window),
        Step("a second instance of each service", faults.start_second_instances),
        *(
            Step(
                f"SIGKILL {s.name} 1 of 2 (the other takes over)",
                faults.kill_one_of_two(s),
                kill_window if s is NOTIFICATIONS else (0, 0),
                after=faults.restart_first(s),
            )
            for s in (IDENTITY, REGISTRY, NOTIFICATIONS)
        ),
        Step("second instances stopped", faults.stop_second_instances),
        Step(
            "SIGKILL notifications inside the SMTP send window",
            faults.kill_in_send_window,
            (1, 1 + SEND_WINDOW_AT_ONCE),
        ),
        Step("SIGKILL Kafka, restarted", faults.kill_kafka),
        Step("PostgreSQL crashed (immediate stop), restarted", faults.restart_postgres),
        Step(
            f"SMTP refuses {refuse_seconds:.0f} s, then answers 451 {tempfail_seconds:.0f} s",
            faults.smtp_outage(refuse_seconds, tempfail_seconds),
        ),
    ]


@dataclass
class Row:
    """A step's figures."""

    count: Count
    recovery_seconds: float | None
    duplicates: tuple[int, int]

    @property
    def ok(self) -> bool:
        low, high = self.duplicates
        return self.count.lost == 0 and low <= self.count.duplicated <= high

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.count.as_dict(),
            "recovery_seconds": self.recovery_seconds,
            "duplicates_expected": list(self.duplicates),
            "ok": self.ok,
        }


@dataclass
class Outcome:
    rows: list[Row]
    lost: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)


def chosen_steps(steps: Sequence[Step], words: str) -> list[Step]:
    """The steps whose name holds one of the comma-separated `words` (case-insensitive;
    all of them when there are none). A word no step's name holds is refused."""
    wanted = [w.strip().lower() for w in words.split(",") if w.strip()]
    if not wanted:
        return list(steps)
    if unmatched := [w for w in wanted if not any(w in s.name.lower() for s in steps)]:
        names = "; ".join(s.name for s in steps)
        raise SystemExit(f"--steps: no step's name holds {', '.join(unmatched)} (steps: {names})")
    return [s for s in steps if any(w in s.name.lower() for w in wanted)]


async def run_steps(
    steps: Sequence[Step],
    mix: Mix,
    lead: float = 10.0,
    drain: float = 300.0,
    say: Any = print,
) -> Outcome:
    """Put the running stack through `steps` under the steady `mix`; count the effects."""
    stack = Stack.load()
    cfg = StackConfig.from_env()
    tag = uuid.uuid4().hex[:8]
    seconds = len(steps) * (2 * lead + 60) + 120
    say(f"preparing the load's accounts and records (tag {tag})")
    population = await prepare(stack, tag, mix, seconds)
    gateway = StandInGateway.load(stack.keys_dir)
    probe_admin = Admin(f"chaos-prober-{tag}", {f"chaos-{tag}-probes": "Probes"}, gateway)
    identity, registry = Instances([IDENTITY.url()]), Instances([REGISTRY.url()])
    async with InboxClient(stack.inbox_url) as inbox:
        since_id = max((m.id for m in await inbox.messages()), default=0)
        load = SteadyLoad(population, identity, registry, inbox, mix)
        rig = Rig(cfg, stack.keys_dir, inbox, identity, registry, probe_admin, tag)
        firing = asyncio.create_task(load.run())
        windows: list[Window] = []
        recoveries: dict[str, float | None] = {}
        try:
            for step in steps:
                started = time.time()
                load.phase = step.name
                say(f"- {step.name}")
                await asyncio.sleep(lead)
                recoveries[step.name] = await _fault(rig, step)
                await asyncio.sleep(lead)
                windows.append(Window(step.name, started, time.time()))
        finally:
            load.stop()
            await firing
        load.phase = "after the last fault"
        say("load stopped; waiting for the clients' follow-up steps and the backlog")
        await load.settle(FOLLOW_UP_SECONDS)
        windows.append(Window("after the last fault", windows[-1].end, float("inf")))
        counted = await _drained(
            load, windows, since_id, inbox, registry, population, drain, rig.watched
        )
        await identity.aclose()
        await registry.aclose()
    rows = [
        Row(counted.rows[w.name], recoveries.get(w.name), _expected(steps, w.name))
        for w in windows
        if w.name in counted.rows
    ]
    lost = [f"{s.kind} {s.address} ({s.phase}, answered {s.answer})" for s in counted.lost_requests]
    return Outcome(rows, lost, rig.notes)


def _expected(steps: Sequence[Step], name: str) -> tuple[int, int]:
    return next((s.duplicates for s in steps if s.name == name), (0, 0))


async def _fault(rig: Rig, step: Step) -> float | None:
    if step.fault is None:
        return None
    lifted = await step.fault(rig)
    await rig.probe()
    recovered = time.monotonic() - lifted
    if step.after is not None:
        await step.after(rig)
    return recovered


async def _drained(
    load: SteadyLoad,
    windows: Sequence[Window],
    since_id: int,
    inbox: InboxClient,
    registry: Instances,
    population: Any,
    drain: float,
    watched: Sequence[str],
) -> Any:
    """The tally once nothing accepted is missing, or after `drain` seconds."""
    give_up = time.monotonic() + drain
    while True:
        counted = await tally(
            load.sent, windows, since_id, inbox, registry.next(), population, watched
        )
        if counted.lost == 0 or time.monotonic() > give_up:
            return counted
        await asyncio.sleep(5.0)
