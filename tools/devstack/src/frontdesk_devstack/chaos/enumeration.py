"""Enumeration timings while email really goes out: pairs of anonymous requests whose
answers must not say whether an address or a username is known, timed against the
running stack.

- forgot password (`POST /v1/password-resets`): a login that exists (its reset email is
  really queued and sent) against an unknown login;
- signup (`POST /v1/signup`): a new address, an address that has a login (its owner is
  told by email) and the address of an imported studio record without a login;
- login (`POST /v1/sessions`): a known username with a wrong password against an
  unknown username (401 both).

No quota is spent: every request names its own account or address and comes from its
own client address (X-Forwarded-For, which the stack's identity believes from
127.0.0.1), so every email the known side causes is really sent; the emails are then
counted in the dev inbox. The probes are sent in blocks of one request per side, the
block's requests at the same moment (each side first in as many blocks as the others)
and the blocks in shuffled order, a modest number at once: the sides of each block
meet the same load, so what the stack's load adds to the times (much, on two shared
cores) adds to both sides alike instead of to the spread of their medians. A pair
passes when every answer has the same status and body, every expected email arrived,
and the medians differ by less than `MEDIAN_SPREAD_MS`; only the chaos runner's exit
status depends on it.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx
from aiokafka import AIOKafkaProducer

from frontdesk_contracts import ClientImported, new_event, to_record
from frontdesk_testing import Admin, InboxClient, StandInGateway

from ..bench.fixtures import BenchError
from ..bench.scenarios.logins import create_login
from ..bench.scenarios.resets import Addresses
from ..bench.stackio import IDENTITY_DB, Stack, produce
from ..bench.stackio import count as count_rows
from ..bench.stats import percentile

MEDIAN_SPREAD_MS = 5.0  # the figure: medians of known and unknown this close
LOGINS_AT_ONCE = 2
"""Login's answer waits for its argon2 check (it cannot answer before it knows), so at 16
at a time its time is mostly the wait for a hashing thread, hundreds of milliseconds that
swamp a few; one block at a time (its two requests together, one per core) times the
work itself, which is what would differ."""
PREPARE_AT_ONCE = 8  # accounts created at once: each costs identity an argon2 hash
LOGINS_PER_STUDIO = 50  # far below the studio's 500 admin emails an hour
PREPARE_TIMEOUT = 120.0
MAIL_TIMEOUT = 180.0
POLL_SECONDS = 1.0
SIGNUP_PASSWORD = "amber lighthouse rowing"  # noqa: S105 - throwaway signups of the run
WRONG_PASSWORD = "not the right phrase"  # noqa: S105 - the wrong one, on purpose
RESET_SUBJECT = "Reset your password"
VERIFY_SUBJECT = "Verify your email address"
ATTEMPT_SUBJECT = "Someone tried to sign up"


@dataclass(frozen=True)
class SideTiming:
    """One side of a pair: how many answers were timed, their median and p90."""

    label: str
    count: int
    median_ms: float
    p90_ms: float


@dataclass(frozen=True)
class PairResult:
    """What one pair's answers and emails showed."""

    name: str
    sides: list[SideTiming]
    statuses_equal: bool
    bodies_equal: bool
    median_spread_ms: float
    emails_expected: int
    emails_arrived: int

    @property
    def ok(self) -> bool:
        """Same answers, every email sent, and medians within `MEDIAN_SPREAD_MS`."""
        return (
            self.statuses_equal
            and self.bodies_equal
            and self.emails_arrived == self.emails_expected
            and self.median_spread_ms < MEDIAN_SPREAD_MS
        )


@dataclass(frozen=True)
class Probe:
    """One anonymous request, and the email it must cause (to, subject), if any."""

    side: str
    path: str
    body: dict[str, str]
    mail: tuple[str, str] | None = None


@dataclass(frozen=True)
class Answer:
    """What identity answered one probe, and how long it took."""

    side: str
    status: int
    body: bytes
    seconds: float


@dataclass
class Known:
    """What the run prepared: addresses and usernames identity holds."""

    reset_logins: list[tuple[str, str]] = field(default_factory=list)  # (email, username)
    signup_logins: list[str] = field(default_factory=list)  # emails of logins
    imported: list[str] = field(default_factory=list)  # emails of records without a login


async def prepare_logins(stack: Stack, tag: str, prefix: str, count: int) -> list[tuple[str, str]]:
    """`count` accounts given a login the real way (admin creates, client follows the
    email's link); (email, username) each, spread over studios of the run's own."""
    gateway = StandInGateway.load(stack.keys_dir)
    logins = [(f"{prefix}.{tag}.{n}@chaos.test", f"{prefix}-{tag}-{n}") for n in range(count)]
    admins = [
        Admin(f"chaos-admin-{tag}", {f"chaos-{tag}-{prefix}-{k}": "Chaos Studio"}, gateway)
        for k in range(count // LOGINS_PER_STUDIO + 1)
    ]
    at_once = asyncio.Semaphore(PREPARE_AT_ONCE)
    headers = {"X-Forwarded-For": Addresses().take()}
    async with (
        httpx.AsyncClient(base_url=stack.identity_url, headers=headers, timeout=60) as http,
        InboxClient(stack.inbox_url) as inbox,
    ):

        async def one(n: int, email: str, username: str) -> None:
            async with at_once:
                await create_login(http, inbox, admins[n // LOGINS_PER_STUDIO], email, username)

        await asyncio.gather(*(one(n, e, u) for n, (e, u) in enumerate(logins)))
    return logins


async def prepare_imports(stack: Stack, tag: str, count: int) -> list[str]:
    """`count` studio records without a login, imported through Kafka (ClientImported);
    their addresses, once identity holds every one."""
    studio = f"chaos-{tag}-imports"
    emails = [f"imp.{tag}.{n}@chaos.test" for n in range(count)]
    records = [
        to_record(
            new_event(
                ClientImported(
                    studio_id=studio,
                    external_client_id=f"enum-{n:05d}",
                    given_name="Ada",
                    family_name="Imported",
                    emails=[email],
                )
            )
        )
        for n, email in enumerate(emails)
    ]
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, acks="all")
    await producer.start()
    try:
        await produce(producer, records)
    finally:
        await producer.stop()
    give_up = time.monotonic() + PREPARE_TIMEOUT
    sql = "SELECT count(*) FROM accounts WHERE studio_id = $1"
    while (held := await count_rows(stack.database(IDENTITY_DB), sql, studio)) < count:
        if time.monotonic() > give_up:
            raise BenchError(f"identity held {held} of {count} imported records")
        await asyncio.sleep(POLL_SECONDS)
    return emails


async def prepare(stack: Stack, tag: str, samples: int) -> Known:
    """The accounts the known sides name: logins for forgot password (and login), logins
    whose addresses sign up again, and imported records."""
    resets, attempts, imported = await asyncio.gather(
        prepare_logins(stack, tag, "rst", samples),
        prepare_logins(stack, tag, "own", samples),
        prepare_imports(stack, tag, samples),
    )
    return Known(resets, [email for email, _ in attempts], imported)


def forgot_password(tag: str, known: Known) -> list[Probe]:
    """A login that exists (a reset email goes out) and an unknown one, alternately."""
    probes = []
    for n, (email, _) in enumerate(known.reset_logins):
        probes.append(
            Probe("known login", "/v1/password-resets", {"login": email}, (email, RESET_SUBJECT))
        )
        unknown = f"nobody.{tag}.{n}@chaos.test"
        probes.append(Probe("unknown login", "/v1/password-resets", {"login": unknown}))
    return probes


def signup(tag: str, known: Known) -> list[Probe]:
    """A new address, an address with a login, an imported record's address: each gets
    an email (a code, or the owner's "someone tried" notice)."""

    def body(email: str, username: str) -> dict[str, str]:
        return {
            "email": email,
            "username": username,
            "password": SIGNUP_PASSWORD,
            "given_name": "Lin",
        }

    probes = []
    for n, (owned, imported) in enumerate(zip(known.signup_logins, known.imported, strict=True)):
        fresh = f"new.{tag}.{n}@chaos.test"
        sides = (
            ("new address", fresh, VERIFY_SUBJECT),
            ("address with a login", owned, ATTEMPT_SUBJECT),
            ("imported address", imported, VERIFY_SUBJECT),
        )
        for k, (side, email, subject) in enumerate(sides):
            probes.append(
                Probe(side, "/v1/signup", body(email, f"su{k}-{tag}-{n}"), (email, subject))
            )
    return probes


def login(tag: str, known: Known) -> list[Probe]:
    """A known username with a wrong password and an unknown username (no email)."""
    probes = []
    for n, (_, username) in enumerate(known.reset_logins):
        for side, name in (("known username", username), ("unknown username", f"nobody-{tag}-{n}")):
            probes.append(Probe(side, "/v1/sessions", {"login": name, "password": WRONG_PASSWORD}))
    return probes


def blocks(probes: Sequence[Probe]) -> list[list[Probe]]:
    """The probes as blocks of one per side (they are built side by side), each side
    first, second, ... in as many blocks as any other (a block's requests start together,
    but the server takes them one after the other), the blocks' order shuffled."""
    width = len({p.side for p in probes})
    grouped = [list(probes[i : i + width]) for i in range(0, len(probes), width)]
    if any(len({p.side for p in block}) != width for block in grouped):
        raise ValueError("the probes do not come one of each side at a time")
    turned = [block[n % width :] + block[: n % width] for n, block in enumerate(grouped)]
    random.shuffle(turned)
    return turned


async def fire(stack: Stack, probes: Sequence[Probe], concurrency: int) -> list[Answer]:
    """Send the probes block by block (`blocks`), about `concurrency` requests at a
    time, each from its own client address; every answer with the time it took
    (waiting for a turn excluded)."""
    grouped = blocks(probes)
    if not grouped:
        return []
    ips, turn = Addresses(), asyncio.Semaphore(max(1, concurrency // len(grouped[0])))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def one(http: httpx.AsyncClient, probe: Probe) -> Answer:
        headers = {"X-Forwarded-For": ips.take()}
        started = time.perf_counter()
        answer = await http.post(probe.path, json=probe.body, headers=headers)
        seconds = time.perf_counter() - started
        return Answer(probe.side, answer.status_code, answer.content, seconds)

    async def block(http: httpx.AsyncClient, members: list[Probe]) -> list[Answer]:
        async with turn:
            return list(await asyncio.gather(*(one(http, p) for p in members)))

    async with httpx.AsyncClient(base_url=stack.identity_url, limits=limits, timeout=60) as http:
        answered = await asyncio.gather(*(block(http, b) for b in grouped))
    return [answer for members in answered for answer in members]


async def newest_message(inbox: InboxClient) -> int:
    """The id of the newest message the inbox holds (0 when empty)."""
    return max((m.id for m in await inbox.messages()), default=0)


async def arrived(
    inbox: InboxClient, since_id: int, expected: set[tuple[str, str]], seconds: float
) -> set[tuple[str, str]]:
    """Which of the expected (to, subject) emails arrived after `since_id`, waiting up to
    `seconds` for all of them."""
    found: set[tuple[str, str]] = set()
    give_up = time.monotonic() + seconds
    while True:
        for message in await inbox.messages(since_id=since_id):
            since_id = max(since_id, message.id)
            for to in message.to:
                found |= {
                    (t, s) for t, s in expected if t == to.lower() and message.subject.startswith(s)
                }
        if found >= expected or time.monotonic() > give_up:
            return found
        await asyncio.sleep(POLL_SECONDS)


def side_timing(label: str, answers: Sequence[Answer]) -> SideTiming:
    """The median and p90, in milliseconds, of one side's answers."""
    ms = [a.seconds * 1000 for a in answers]
    return SideTiming(label, len(ms), statistics.median(ms), percentile(ms, 90))


def pair_result(
    name: str, probes: Sequence[Probe], answers: Sequence[Answer], emails: set[tuple[str, str]]
) -> PairResult:
    """What the pair's answers and emails showed, its sides in the probes' order."""
    labels = list(dict.fromkeys(p.side for p in probes))
    sides = [side_timing(label, [a for a in answers if a.side == label]) for label in labels]
    medians = [s.median_ms for s in sides]
    expected = {p.mail for p in probes if p.mail is not None}
    return PairResult(
        name=name,
        sides=sides,
        statuses_equal=len({a.status for a in answers}) == 1,
        bodies_equal=len({a.body for a in answers}) == 1,
        median_spread_ms=max(medians) - min(medians),
        emails_expected=len(expected),
        emails_arrived=len(expected & emails),
    )


async def measure(
    stack: Stack, tag: str, samples: int = 200, concurrency: int = 16
) -> list[PairResult]:
    """Prepare the known accounts, time each pair in turn (`samples` answers a side,
    `concurrency` requests at a time, login `LOGINS_AT_ONCE`), then count the emails
    their known sides caused."""
    known = await prepare(stack, tag, samples)
    pairs = {
        "forgot password": forgot_password(tag, known),
        "signup": signup(tag, known),
        "login": login(tag, known),
    }
    async with InboxClient(stack.inbox_url) as inbox:
        since_id = await newest_message(inbox)
        at_once = {name: concurrency for name in pairs} | {"login": LOGINS_AT_ONCE}
        answers = {name: await fire(stack, probes, at_once[name]) for name, probes in pairs.items()}
        expected = {p.mail for probes in pairs.values() for p in probes if p.mail is not None}
        emails = await arrived(inbox, since_id, expected, MAIL_TIMEOUT)
    return [pair_result(name, pairs[name], answers[name], emails) for name in pairs]


def render(results: Sequence[PairResult]) -> str:
    """A small text table: a line per side, a verdict line per pair."""
    lines = [f"{'pair / side':<30} {'n':>5} {'median ms':>10} {'p90 ms':>9}"]
    for r in results:
        lines.append(r.name)
        lines += [
            f"  {s.label:<28} {s.count:>5} {s.median_ms:>10.1f} {s.p90_ms:>9.1f}" for s in r.sides
        ]
        lines.append(
            f"  {'passed' if r.ok else 'FAILED'}: statuses {_same(r.statuses_equal)}, bodies "
            f"{_same(r.bodies_equal)}, medians {r.median_spread_ms:.1f} ms apart "
            f"(< {MEDIAN_SPREAD_MS:g}), emails {r.emails_arrived}/{r.emails_expected} arrived"
        )
    return "\n".join(lines)


def _same(equal: bool) -> str:
    return "identical" if equal else "DIFFER"
