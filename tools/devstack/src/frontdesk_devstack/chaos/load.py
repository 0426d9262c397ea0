"""A steady offered load of what clients and admins do, with every answer recorded.

Three kinds of request, fired on a schedule whatever the answers (an open loop):

- **create**: an admin creates a client (`POST /v1/admin/studios/{id}/clients`); its
  effects are the create-your-login email and client-registry's record of the account;
- **reset**: forgot password for an account with a login; its effect is a reset email
  (each account is asked at most four times a run: the per-address quota is five an hour);
- **signup**: a client whose studio record was imported signs up in the app with the same
  address; its effects are the verification email and, once the client proves the
  address with the code and confirms the proposal, one merge in client-registry. The
  client's follow-up steps retry until they succeed, as an app would.

Each request goes to the next instance of the service in turn; one that cannot be reached
or answers 5xx was not accepted (the caller knows it failed), which is not a loss. A loss
is an accepted request whose effect never shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import random
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

import httpx
from aiokafka import AIOKafkaProducer

from frontdesk_contracts import ClientImported, new_event, to_record
from frontdesk_testing import Admin, InboxClient, StandInGateway, eventually

from ..bench.scenarios.logins import create_logins
from ..bench.stackio import Stack

Kind = Literal["create", "reset", "signup"]
PASSWORD = "violet harbour lantern"  # noqa: S105 - the run's own throwaway accounts
RESETS_PER_ACCOUNT = 4
REQUEST_TIMEOUT = 15.0
# How long a signing-up client keeps trying its follow-up steps (the faults last a minute
# or two; the drain at the end waits longer for what is still in flight).
FOLLOW_UP_SECONDS = 300.0


@dataclass
class Sent:
    """One request of the load and what it answered."""

    kind: Kind
    phase: str
    address: str
    studio_id: str
    at: float
    answer: str = "pending"
    account_id: str | None = None
    merges_confirmed: int = 0

    @property
    def accepted(self) -> bool:
        return self.answer in ("201", "202")


@dataclass
class Mix:
    """Requests per second of each kind."""

    create: float = 2.0
    reset: float = 1.0
    signup: float = 0.25

    def total(self) -> float:
        return self.create + self.reset + self.signup


@dataclass
class Population:
    """What the load needs prepared: studios and their admins, accounts with a login to
    reset, imported records to sign up for."""

    tag: str
    admins: list[Admin]
    imports_admin: Admin
    reset_logins: list[str]
    imported: list[tuple[str, str]]  # (studio_id, address) of records without a login
    _resets: itertools.cycle[str] = field(init=False, repr=False)
    _imported: itertools.count[int] = field(default_factory=itertools.count, repr=False)

    def __post_init__(self) -> None:
        self._resets = itertools.cycle(self.reset_logins)

    def next_reset_login(self) -> str:
        return next(self._resets)

    def next_import(self) -> tuple[str, str] | None:
        n = next(self._imported)
        return self.imported[n] if n < len(self.imported) else None


async def prepare(stack: Stack, tag: str, mix: Mix, seconds: float) -> Population:
    """Studios and admins, accounts with a login (the real way), imported records."""
    gateway = StandInGateway.load(stack.keys_dir)
    # Each studio may be sent 500 emails an hour; 200 creates each keeps far below.
    creates = int(mix.create * seconds) + 50
    admins = [
        Admin(f"chaos-admin-{tag}-{n}", {f"chaos-{tag}-{n}": f"Chaos Studio {n}"}, gateway)
        for n in range(creates // 200 + 1)
    ]
    resets = int(mix.reset * seconds) // RESETS_PER_ACCOUNT + 5 if mix.reset else 0
    usernames = await create_logins(stack, f"chaos-{tag}", resets)
    signups = int(mix.signup * seconds) + 10 if mix.signup else 0
    imports_admin = Admin(f"chaos-admin-{tag}", {f"chaos-{tag}-imports": "Imports"}, gateway)
    imported = [(imports_admin.studio_id, f"imp-{tag}-{n}@chaos.test") for n in range(signups)]
    await import_records(stack, imported)
    logins = [f"{u}@bench.test" for u in usernames]
    return Population(tag, admins, imports_admin, logins, imported)


async def import_records(stack: Stack, records: Sequence[tuple[str, str]]) -> None:
    """Publish one `ClientImported` per (studio, address), as a studio's migration would."""
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        for n, (studio_id, address) in enumerate(records):
            payload = ClientImported(
                studio_id=studio_id,
                external_client_id=f"chaos-{n}",
                given_name="Noor",
                family_name="Imported",
                emails=[address],
                phone="+44 20 7946 0123",
            )
            record = to_record(new_event(payload))
            await producer.send(
                record.topic, value=record.value, key=record.key, headers=list(record.headers)
            )
        await producer.flush()
    finally:
        await producer.stop()


class Instances:
    """The HTTP clients of one service's instances, taken in turn."""

    def __init__(self, urls: Sequence[str]) -> None:
        self.clients = [httpx.AsyncClient(base_url=u, timeout=REQUEST_TIMEOUT) for u in urls]
        self._turn = itertools.count()

    def next(self) -> httpx.AsyncClient:
        return self.clients[next(self._turn) % len(self.clients)]

    def add(self, url: str) -> None:
        self.clients.append(httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT))

    async def remove(self, url: str) -> None:
        gone = [c for c in self.clients if str(c.base_url).rstrip("/") == url]
        self.clients = [c for c in self.clients if c not in gone]
        for client in gone:
            await client.aclose()

    async def aclose(self) -> None:
        for client in self.clients:
            await client.aclose()


class ClientAddresses:
    """A different client address for every request (X-Forwarded-For, believed from
    loopback by the local identity), so no per-IP quota refuses an email."""

    def __init__(self) -> None:
        self._base = random.randrange(16, 240)  # noqa: S311 - not a secret
        self._count = itertools.count(1)

    def next(self) -> dict[str, str]:
        n = next(self._count)
        return {"X-Forwarded-For": f"10.{self._base}.{(n >> 8) & 255}.{n & 255}"}


class SteadyLoad:
    """Fires the mix on a schedule until stopped; `sent` records every request."""

    def __init__(
        self,
        population: Population,
        identity: Instances,
        registry: Instances,
        inbox: InboxClient,
        mix: Mix,
    ) -> None:
        self.population = population
        self.identity, self.registry, self.inbox = identity, registry, inbox
        self.mix = mix
        self.phase = "start"
        self.sent: list[Sent] = []
        self._ips = ClientAddresses()
        self._tasks: set[asyncio.Task[None]] = set()
        self._stop = asyncio.Event()
        self._creates = itertools.count()

    async def run(self) -> None:
        """Fire until `stop()`: the kinds interleaved at their rates (open loop)."""
        schedule = _interleaved(self.mix)
        started = time.monotonic()
        for offset, kind in schedule:
            delay = started + offset - time.monotonic()
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self._stop.wait()
            if self._stop.is_set():
                return
            self._spawn(self._fire(kind))

    def stop(self) -> None:
        self._stop.set()

    async def settle(self, seconds: float) -> None:
        """Wait (at most `seconds`) for every request and signing-up client to finish."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=seconds)

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _fire(self, kind: Kind) -> None:
        if kind == "create":
            await self._create()
        elif kind == "reset":
            await self._reset()
        else:
            await self._signup()

    async def _create(self) -> None:
        n = next(self._creates)
        admin = self.population.admins[n // 200]
        address = f"new-{self.population.tag}-{n}@chaos.test"
        sent = self._record("create", address, admin.studio_id)
        answer = await _call(
            sent,
            self.identity.next().post(
                f"/v1/admin/studios/{admin.studio_id}/clients",
                json={"email": address, "given_name": "Ada", "family_name": "Chaos"},
                headers={**admin.identity(), **self._ips.next()},
            ),
        )
        if answer is not None and sent.accepted:
            sent.account_id = answer.json()["account_id"]

    async def _reset(self) -> None:
        address = self.population.next_reset_login()
        sent = self._record("reset", address, "")
        await _call(
            sent,
            self.identity.next().post(
                "/v1/password-resets", json={"login": address}, headers=self._ips.next()
            ),
        )

    async def _signup(self) -> None:
        found = self.population.next_import()
        if found is None:
            return
        studio_id, address = found
        sent = self._record("signup", address, studio_id)
        body = {
            "email": address,
            "username": address.partition("@")[0],
            "password": PASSWORD,
            "given_name": "Noor",
        }
        headers = self._ips.next()
        await _call(sent, self.identity.next().post("/v1/signup", json=body, headers=headers))
        if sent.accepted:
            await self._verify_and_merge(sent, headers)

    async def _verify_and_merge(self, sent: Sent, headers: dict[str, str]) -> None:
        """The client proves the address with the emailed code and confirms the merge."""
        with contextlib.suppress(Exception):
            mail = await self.inbox.wait_for(
                sent.address,
                subject_contains="Verify your email address",
                timeout=FOLLOW_UP_SECONDS,
            )
            code = (mail.text or "").split("Your code: ", 1)[1][:6]
            verify = {"email": sent.address, "code": code}
            tokens = await _until_ok(
                lambda: self.identity.next().post("/v1/signup/verify", json=verify, headers=headers)
            )
            bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
            proposals = await _until_ok(
                lambda: self.registry.next().get("/v1/me/merge-proposals", headers=bearer),
                until=lambda body: bool(body["proposals"]),
            )
            for proposal in proposals["proposals"]:
                url = f"/v1/me/merge-proposals/{proposal['proposal_id']}/confirm"
                await _until_ok(partial(self._post_registry, url, bearer))
                sent.merges_confirmed += 1

    def _post_registry(self, url: str, headers: dict[str, str]) -> Awaitable[httpx.Response]:
        return self.registry.next().post(url, headers=headers)

    def _record(self, kind: Kind, address: str, studio_id: str) -> Sent:
        sent = Sent(kind, self.phase, address, studio_id, time.time())
        self.sent.append(sent)
        return sent


def _interleaved(mix: Mix) -> Iterator[tuple[float, Kind]]:
    """(seconds from the start, kind) for ever, each kind at its own steady rate."""
    return heapq.merge(*(_every(rate, kind) for kind, rate in _rates(mix) if rate > 0))


def _every(rate: float, kind: Kind) -> Iterator[tuple[float, Kind]]:
    return ((offset, kind) for offset in itertools.count(0.0, 1.0 / rate))


def _rates(mix: Mix) -> list[tuple[Kind, float]]:
    return [("create", mix.create), ("reset", mix.reset), ("signup", mix.signup)]


async def _call(sent: Sent, request: Awaitable[httpx.Response]) -> httpx.Response | None:
    try:
        answer = await request
    except httpx.HTTPError as error:
        sent.answer = type(error).__name__
        return None
    sent.answer = str(answer.status_code)
    return answer


async def _until_ok(
    request: Callable[[], Awaitable[httpx.Response]],
    until: Callable[[dict[str, Any]], bool] = lambda _: True,
) -> dict[str, Any]:
    """Repeat `request` (a client retrying) until it answers 2xx and `until` its body;
    a 4xx other than 404 and 429 ends it (the client's request is wrong)."""

    async def answered() -> dict[str, Any]:
        answer = await request()
        if 400 <= answer.status_code < 500 and answer.status_code not in (404, 429):
            raise RuntimeError(f"{answer.status_code}: {answer.text[:200]}")
        assert answer.is_success, f"answered {answer.status_code}"
        body: dict[str, Any] = answer.json()
        assert until(body), "not there yet"
        return body

    return await eventually(
        answered, timeout=FOLLOW_UP_SECONDS, interval=1.0, not_yet=(httpx.HTTPError,)
    )
