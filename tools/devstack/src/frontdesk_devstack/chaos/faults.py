"""The faults `make chaos` puts the running stack through, one at a time, under load.

Each fault does its damage, then lifts it the way an operator's supervisor would (start
the crashed process again; the outage ends) and returns the moment it was lifted. What
happens next is the stack's own recovery: no other step is taken. The recovery time is
from that moment until a request made then shows its effect (`probe`).
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx

from frontdesk_testing import Admin, InboxClient, eventually

from .. import kafka, postgres, services
from ..config import StackConfig
from ..procs import read_pid, wait_until
from ..services import ALL, IDENTITY, NOTIFICATIONS, REGISTRY, Service
from .load import Instances

PROBE_SECONDS = 300.0
T = TypeVar("T")


@dataclass
class Rig:
    """What the faults act on: the stack's processes, its inbox, the load's HTTP clients."""

    cfg: StackConfig
    keys: Path
    inbox: InboxClient
    identity: Instances
    registry: Instances
    admin: Admin
    tag: str
    instances: int = 1
    notes: list[str] = field(default_factory=list)
    watched: list[str] = field(default_factory=list)
    """Addresses beside the load's whose duplicates count (the send window's)."""
    _probes: int = 0

    async def restart(self, service: Service, instance: int = 1) -> None:
        await asyncio.to_thread(services.start_instance, self.cfg, self.keys, service, instance)

    async def probe(self) -> float:
        """Seconds until a client created now has its email and its registry record."""
        started = time.monotonic()
        self._probes += 1
        address = f"probe-{self.tag}-{self._probes}@chaos.test"
        account_id = await _retry(lambda: self._create(address))
        await self.inbox.wait_for(
            address, subject_contains="Create your login", timeout=PROBE_SECONDS
        )
        await _retry(lambda: self._filed(address, account_id))
        return time.monotonic() - started

    async def _create(self, address: str) -> str | None:
        answer = await self.identity.next().post(
            f"/v1/admin/studios/{self.admin.studio_id}/clients",
            json={"email": address, "given_name": "Probe", "family_name": "Chaos"},
            headers=self.admin.identity(),
        )
        return str(answer.json()["account_id"]) if answer.status_code == 201 else None

    async def _filed(self, address: str, account_id: str) -> str | None:
        listed = await self.registry.next().get(
            f"/v1/studios/{self.admin.studio_id}/clients",
            params={"q": address},
            headers=self.admin.registry(),
        )
        clients = listed.json().get("clients", []) if listed.status_code == 200 else []
        return next((str(c["account_id"]) for c in clients if c["account_id"] == account_id), None)


async def _retry(attempt: Callable[[], Awaitable[T | None]]) -> T:
    """`attempt` every half second until it gives an answer, or PROBE_SECONDS pass
    (a refused connection or an unexpected body is a try that failed)."""

    async def answered() -> T:
        found = await attempt()
        assert found is not None, "no answer yet"
        return found

    return await eventually(
        answered,
        timeout=PROBE_SECONDS,
        interval=0.5,
        not_yet=(httpx.HTTPError, ValueError, KeyError),
    )


Fault = Callable[[Rig], Awaitable[float]]


def kill_service(service: Service) -> Fault:
    """SIGKILL the service's (first) instance and start it again at once."""

    async def fault(rig: Rig) -> float:
        services.kill(rig.cfg, service)
        lifted = time.monotonic()
        await rig.restart(service)
        return lifted

    return fault


def kill_one_of_two(service: Service) -> Fault:
    """SIGKILL instance 1 while instance 2 runs: the group rebalances and instance 2 takes
    the partitions and the requests (the recovery is measured without instance 1)."""

    async def fault(rig: Rig) -> float:
        services.kill(rig.cfg, service, 1)
        return time.monotonic()

    return fault


def restart_first(service: Service) -> Fault:
    """Start instance 1 again (after the stack recovered without it)."""

    async def fault(rig: Rig) -> float:
        await rig.restart(service, 1)
        return time.monotonic()

    return fault


async def start_second_instances(rig: Rig) -> float:
    for service in ALL:
        await rig.restart(service, 2)
    for instances, service in ((rig.identity, IDENTITY), (rig.registry, REGISTRY)):
        instances.add(service.url(2))
    return time.monotonic()


async def stop_second_instances(rig: Rig) -> float:
    for instances, service in ((rig.identity, IDENTITY), (rig.registry, REGISTRY)):
        await instances.remove(service.url(2))
    for service in ALL:
        await asyncio.to_thread(services.stop_instance, rig.cfg, service, 2)
    return time.monotonic()


HOLD_SECONDS = 8.0


async def kill_in_send_window(rig: Rig) -> float:
    """The one window where a duplicate is allowed: the dev SMTP server has stored a
    message and holds its `250`; notifications is killed while it waits. After the
    restart, the message's lease runs out and it is sent again: exactly one duplicate."""
    address = f"held-{rig.tag}@chaos.test"
    hold = await rig.inbox.hold_replies(address, hold_seconds=HOLD_SECONDS)
    await _retry(lambda: rig._create(address))
    await rig.inbox.wait_until_held(hold.id, timeout=PROBE_SECONDS)
    services.kill(rig.cfg, NOTIFICATIONS)
    lifted = time.monotonic()
    await rig.restart(NOTIFICATIONS)
    await rig.inbox.release_holds()
    rig.watched.append(address)
    rig.notes.append(f"{address}: notifications was killed while the SMTP server held its 250")
    # The second copy comes once the dead instance's lease on it ran out.
    await _retry(lambda: _copies(rig.inbox, address, at_least=2))
    return lifted


async def _copies(inbox: InboxClient, address: str, at_least: int) -> int | None:
    found = len(await inbox.messages(address))
    return found if found >= at_least else None


async def kill_kafka(rig: Rig) -> float:
    """SIGKILL the broker (its log is not flushed) and start it again."""
    pid = read_pid(rig.cfg.dir("kafka") / "kafka.pid")
    if pid is not None:
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not kafka.running(rig.cfg), "Kafka's death", 10)
    lifted = time.monotonic()
    await asyncio.to_thread(kafka.start, rig.cfg)
    return lifted


async def restart_postgres(rig: Rig) -> float:
    """Stop PostgreSQL as a crash would (`immediate`) and start it again."""
    await asyncio.to_thread(postgres.stop_server, rig.cfg, "immediate")
    lifted = time.monotonic()
    await asyncio.to_thread(postgres.start, rig.cfg)
    return lifted


def smtp_outage(refuse_seconds: float, tempfail_seconds: float) -> Fault:
    """The SMTP server refuses connections, then answers 451 to every recipient."""

    async def fault(rig: Rig) -> float:
        await rig.inbox.refuse_connections(refuse_seconds)
        await asyncio.sleep(refuse_seconds)
        await rig.inbox.add_fault("", code=451, stage="rcpt", seconds=tempfail_seconds)
        await asyncio.sleep(tempfail_seconds)
        return time.monotonic()

    return fault
