"""The four races of `make chaos`: two requests that must not both take effect, sent at
once against the running stack, and what ended in effect counted afterwards.

1. one create-login link submitted twice at once, with two usernames and passwords;
2. one reset link submitted twice at once, with two new passwords;
3. one merge proposal confirmed at once from two sessions of its client;
4. ten forgot-password requests for one address at once, from ten client addresses,
   against the per-address quota of reset emails.

Each race uses a studio and addresses of its own (a uuid in each), so it can be run
again on the same stack. The people act only through the services' interfaces (the
app's and the gateway's HTTP APIs, the email links' pages, the inbox); what took effect
is read where a user or a downstream service would see it: logins, emails, the admin's
merge history, and the records on identity's Kafka topic.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from frontdesk_contracts import ClientImported, header_value, new_event, to_record, topic_for_event
from frontdesk_contracts.headers import CE_TYPE
from frontdesk_testing import Admin, InboxClient, Message, StandInGateway, eventually
from frontdesk_testing.people import MAIL_TIMEOUT, PASSWORD, VIEW_TIMEOUT, Journey

from ..bench.stackio import Stack
from ..services import EMAILS_PER_ADDRESS_PER_HOUR, REGISTRY

USED_LINK = "This link has already been used."
# Emails that a second winner would cause are queued within a second of the first;
# waiting this long after the expected ones arrived shows that no further one follows.
# (The inbox cannot be asked "has notifications handled everything for this address".)
SETTLE_SECONDS = 5.0
IDENTITY_TOPIC = topic_for_event("LoginCreated")


@dataclass(frozen=True)
class RaceResult:
    """What one race did: how many concurrent requests, how many took effect."""

    name: str
    attempts: int
    winners: int
    expected: int
    detail: str
    problems: tuple[str, ...] = ()
    """What a user would notice beyond the count: a wrong answer to the loser, a 500,
    credentials that work when they must not."""

    @property
    def ok(self) -> bool:
        return self.winners == self.expected and not self.problems


async def run_races(stack: Stack, tag: str) -> list[RaceResult]:
    """All four races, one after the other, each in its own studio and addresses."""
    races = (create_login_race, reset_link_race, merge_confirm_race, reset_quota_race)
    return [await race(stack, tag) for race in races]


# --- the people --------------------------------------------------------------------------


@dataclass
class Scene:
    """One race's studio, its admin, and the clients of the services."""

    stack: Stack
    unique: str
    journey: Journey
    gateway: StandInGateway

    def address(self, who: str) -> str:
        return f"{who}-{self.unique}@example.test"

    def username(self, who: str) -> str:
        return f"{who}-{self.unique}"


@contextlib.asynccontextmanager
async def scene(stack: Stack, tag: str) -> AsyncIterator[Scene]:
    """A fresh studio with its admin, and HTTP clients of identity, the registry, the inbox."""
    unique = f"{tag}-{uuid.uuid4().hex[:10]}"
    gateway = StandInGateway.load(stack.keys_dir)
    admin = Admin(f"admin-{unique}", {f"studio-{unique}": f"Race {unique[-4:]}"}, gateway)
    headers = {"X-Forwarded-For": _client_ip()}
    async with (
        httpx.AsyncClient(base_url=stack.identity_url, headers=headers, timeout=30) as identity,
        httpx.AsyncClient(base_url=REGISTRY.url(), timeout=30) as registry,
        InboxClient(stack.inbox_url) as inbox,
    ):
        yield Scene(stack, unique, Journey(identity, registry, inbox, admin), gateway)


def _client_ip() -> str:
    """A client's own address (TEST-NET-2), so each person counts against the per-IP
    email quota on their own (identity believes X-Forwarded-For from loopback)."""
    return f"198.51.100.{uuid.uuid4().int % 254 + 1}"


async def client_with_login(s: Scene, who: str) -> tuple[str, str, str]:
    """An admin-created client who made their login: (account id, address, username)."""
    email, username = s.address(who), s.username(who)
    account_id = await s.journey.create_client(email, who.title())
    mail = await s.journey.mail(email, "Create your login")
    done = await s.journey.submit_link_form(
        mail.link_containing("/links/create-login"), username=username, password=PASSWORD
    )
    if done.status_code != 200:
        raise RuntimeError(f"creating the login answered {done.status_code}: {done.text}")
    return account_id, email, username


async def submit_twice(s: Scene, link: str, *forms: dict[str, str]) -> list[httpx.Response]:
    """Submit one email link's form once per `forms`, all at once (the token from the link)."""
    path, token = urlsplit(link).path, link.split("token=", 1)[1]
    posts = [s.journey.identity.post(path, data={"token": token, **form}) for form in forms]
    return list(await asyncio.gather(*posts))


def answers(responses: list[httpx.Response]) -> str:
    return ", ".join(str(r.status_code) for r in responses)


# --- what took effect ---------------------------------------------------------------------


class IdentityRecords:
    """identity's Kafka records for one account, from the moment the watch starts."""

    def __init__(self, bootstrap: str, account_id: str) -> None:
        self._consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        self._key = account_id.encode()

    async def __aenter__(self) -> IdentityRecords:
        await self._consumer.start()
        # The local stack creates its topics with the catalogue's partition counts.
        parts = range(IDENTITY_TOPIC.default_partitions)
        assigned = [TopicPartition(IDENTITY_TOPIC.name, p) for p in parts]
        self._consumer.assign(assigned)
        await self._consumer.seek_to_end(*assigned)
        for partition in assigned:  # pin "now": later records are the ones counted
            await self._consumer.position(partition)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._consumer.stop()

    async def types_until(self, marker: str, timeout: float = VIEW_TIMEOUT) -> list[str]:
        """The event types of the account's records up to the first `marker` one.

        The relay publishes one key's records in commit order, so every record of the
        race comes before the marker, an event caused after the race answered.
        """
        seen: list[str] = []
        give_up = time.monotonic() + timeout
        while time.monotonic() < give_up:
            batches = await self._consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    if record.key != self._key:
                        continue
                    kind = header_value(record.headers, CE_TYPE) or "?"
                    if kind == marker:
                        return seen
                    seen.append(kind)
        raise TimeoutError(f"no {marker} on {IDENTITY_TOPIC.name} within {timeout:.0f} s: {seen}")


async def settled_mails(s: Scene, to: str, subject: str, at_least: int) -> list[Message]:
    """The emails to `to` with `subject`, once `at_least` came (or the mail timeout
    passed) and no more came for a while."""
    give_up = time.monotonic() + MAIL_TIMEOUT
    while time.monotonic() < give_up:
        if len(await s.journey.inbox.messages(to, subject_contains=subject)) >= at_least:
            break
        await asyncio.sleep(0.5)
    await asyncio.sleep(SETTLE_SECONDS)
    found = await s.journey.inbox.messages(to, subject_contains=subject)
    return [await s.journey.inbox.message(m.id) for m in found]


# --- 1. one create-login link, twice at once ----------------------------------------------


async def create_login_race(stack: Stack, tag: str) -> RaceResult:
    """Two submits of one create-login link with different usernames and passwords: one
    login is created, the other submit is told the link is used."""
    async with scene(stack, tag) as s:
        email = s.address("ada")
        account_id = await s.journey.create_client(email, "Ada")
        link = (await s.journey.mail(email, "Create your login")).link_containing(
            "/links/create-login?token="
        )
        tries = [(s.username("ada-one"), PASSWORD), (s.username("ada-two"), "amber canyon kite")]
        async with IdentityRecords(stack.bootstrap, account_id) as records:
            done = await submit_twice(s, link, *({"username": u, "password": p} for u, p in tries))
            won = [i for i, r in enumerate(done) if r.status_code == 200]
            works = [await _logs_in_as(s, account_id, u, p) for u, p in tries]
            # The first login of the winner is the marker: nothing of the race comes after.
            kinds = await records.types_until("FirstLogin") if any(works) else []
    problems = _one_winner_problems(done, won, works)
    created = kinds.count("LoginCreated")
    if created != 1:
        problems.append(f"{created} LoginCreated events")
    return RaceResult(
        "create-login link submitted twice at once",
        attempts=len(done),
        winners=sum(works),
        expected=1,
        detail=f"answers {answers(done)}; logins that work: {sum(works)}; "
        f"LoginCreated events: {created}",
        problems=tuple(problems),
    )


async def _logs_in_as(s: Scene, account_id: str, login: str, password: str) -> bool:
    """Whether `login` and `password` open a session on `account_id`."""
    signed_in = await s.journey.log_in(login, password)
    if signed_in.status_code != 200:
        return False
    bearer = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    me = await s.journey.identity.get("/v1/me", headers=bearer)
    return me.status_code == 200 and me.json()["account_id"] == account_id


def _one_winner_problems(
    done: list[httpx.Response], won: list[int], works: list[bool]
) -> list[str]:
    """The user-visible checks of a link race: one 200, the other the used-link page,
    and the winner's credentials (only) working afterwards."""
    problems = []
    if len(won) != 1:
        return [f"{len(won)} submits succeeded"]
    [winner] = won
    loser = done[1 - winner]
    if loser.status_code != 410 or USED_LINK not in loser.text:
        problems.append(f"the loser was answered {loser.status_code}, not the used-link page")
    if works != [i == winner for i in range(len(done))]:
        problems.append(f"credentials that work afterwards: {works}, winner was {winner}")
    return problems


# --- 2. one reset link, twice at once ------------------------------------------------------


async def reset_link_race(stack: Stack, tag: str) -> RaceResult:
    """Two submits of one reset link with different new passwords: one password is set,
    the other submit is told the link is used, one password-changed email."""
    async with scene(stack, tag) as s:
        account_id, email, username = await client_with_login(s, "lin")
        asked = await s.journey.identity.post("/v1/password-resets", json={"login": username})
        if asked.status_code != 202:
            raise RuntimeError(f"forgot-password answered {asked.status_code}: {asked.text}")
        mail = await s.journey.mail(email, "Reset your password")
        passwords = ["copper meadow whistle", "silver orchard drum"]
        done = await submit_twice(
            s, mail.link_containing("/links/reset-password?token="),
            *({"password": p} for p in passwords),
        )  # fmt: skip
        won = [i for i, r in enumerate(done) if r.status_code == 200]
        works = [await _logs_in_as(s, account_id, username, p) for p in passwords]
        old_works = await _logs_in_as(s, account_id, username, PASSWORD)
        notices = len(await settled_mails(s, email, "Your password was changed", at_least=1))
    problems = _one_winner_problems(done, won, works)
    if old_works:
        problems.append("the old password still works")
    if notices != 1:
        problems.append(f"{notices} password-changed emails")
    return RaceResult(
        "reset link submitted twice at once",
        attempts=len(done),
        winners=sum(works),
        expected=1,
        detail=f"answers {answers(done)}; new passwords that work: {sum(works)}; "
        f"password-changed emails: {notices}",
        problems=tuple(problems),
    )


# --- 3. one merge proposal, confirmed from two sessions at once ------------------------------


async def merge_confirm_race(stack: Stack, tag: str) -> RaceResult:
    """An imported client signs up, logs in twice and confirms its one proposal from both
    sessions at once: one merge; the second confirmation answers that same merge."""
    async with scene(stack, tag) as s:
        email = s.address("noor")
        record_id, old_account = await _imported(s, email)
        bearers = await _signed_up_twice(s, email)
        proposal = await _the_proposal(s, bearers[0])
        url = f"/v1/me/merge-proposals/{proposal}/confirm"
        done = list(
            await asyncio.gather(*(s.journey.registry.post(url, headers=b) for b in bearers))
        )
        history = await _merge_history(s, record_id)
        notices = len(await settled_mails(s, email, "Your accounts were merged", at_least=1))
    problems = []
    if [r.status_code for r in done] != [200, 200] or done[0].json() != done[1].json():
        problems.append(f"answers {[(r.status_code, r.text) for r in done]}")
    if [h["from_account_id"] for h in history] != [old_account]:
        problems.append(f"merge history {history}")
    if notices != 1:
        problems.append(f"{notices} accounts-merged emails")
    return RaceResult(
        "merge proposal confirmed from two sessions at once",
        attempts=len(done),
        winners=len(history),
        expected=1,
        detail=f"answers {answers(done)} (the same merge twice); merges in the record's "
        f"history: {len(history)}; accounts-merged emails: {notices}",
        problems=tuple(problems),
    )


async def _imported(s: Scene, email: str) -> tuple[str, str]:
    """A studio record imported for `email` (as a migration publishes it): (record id,
    its account id), once client-registry has filed it."""
    event = new_event(
        ClientImported(
            studio_id=s.journey.studio_id,
            external_client_id=f"ext-{s.unique}",
            given_name="Noor",
            family_name="Imported",
            emails=[email],
            phone="+44 20 7946 0123",
        )
    )
    record = to_record(event)
    producer = AIOKafkaProducer(bootstrap_servers=s.stack.bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            record.topic, value=record.value, key=record.key, headers=list(record.headers)
        )
    finally:
        await producer.stop()

    async def filed() -> dict[str, Any]:
        found = await s.journey.clients(q=email)
        assert found, "client-registry has not filed the record yet"
        return found[0]

    filed_record = await eventually(filed, timeout=VIEW_TIMEOUT)
    return filed_record["client_record_id"], filed_record["account_id"]


async def _signed_up_twice(s: Scene, email: str) -> list[dict[str, str]]:
    """The client signs up with `email`, proves it, and logs in twice: two sessions."""
    signup = {
        "email": email, "username": s.username("noor"), "password": PASSWORD, "given_name": "Noor"
    }  # fmt: skip
    asked = await s.journey.identity.post("/v1/signup", json=signup)
    if asked.status_code != 202:
        raise RuntimeError(f"signup answered {asked.status_code}: {asked.text}")
    mail = await s.journey.mail(email, "Verify your email address")
    proved = await s.journey.submit_link_form(mail.link_containing("/links/verify-email?token="))
    if proved.status_code != 200:
        raise RuntimeError(f"verifying answered {proved.status_code}: {proved.text}")
    bearers = []
    for _ in range(2):
        tokens = (await s.journey.log_in(email, PASSWORD)).json()
        bearers.append({"Authorization": f"Bearer {tokens['access_token']}"})
    return bearers


async def _the_proposal(s: Scene, bearer: dict[str, str]) -> str:
    async def offered() -> str:
        answer = await s.journey.registry.get("/v1/me/merge-proposals", headers=bearer)
        assert answer.status_code == 200, answer.text
        [proposal] = answer.json()["proposals"]
        return str(proposal["proposal_id"])

    return await eventually(offered, timeout=VIEW_TIMEOUT)


async def _merge_history(s: Scene, record_id: str) -> list[dict[str, Any]]:
    """The record's merge history as the studio's admin sees it."""
    admin = s.journey.admin
    detail = await s.journey.registry.get(
        f"/v1/studios/{admin.studio_id}/clients/{record_id}", headers=admin.registry()
    )
    detail.raise_for_status()
    history: list[dict[str, Any]] = detail.json()["merge_history"]
    return history


# --- 4. ten forgot-password requests for one address at once --------------------------------


def reset_email_quota() -> int:
    """identity's `emails_per_address_per_hour`, as the local stack sets it."""
    return EMAILS_PER_ADDRESS_PER_HOUR


async def reset_quota_race(stack: Stack, tag: str, requests: int = 10) -> RaceResult:
    """`requests` forgot-password requests for one address at once, each from another
    client address: all answer the same, and identity sends no more reset links than
    the per-address quota allows.

    The links are counted on identity's topic (PasswordResetRequested), not in the
    inbox: each link supersedes the one before, and notifications never sends a link
    that was superseded before its turn came, so fewer emails than links may arrive.
    Of the emails that arrive, only the newest link works.
    """
    quota = reset_email_quota()
    async with scene(stack, tag) as s:
        account_id, email, username = await client_with_login(s, "mia")
        asks = [
            s.journey.identity.post(
                "/v1/password-resets", json={"login": email},
                headers={"X-Forwarded-For": _client_ip()},
            )
            for _ in range(requests)
        ]  # fmt: skip
        async with IdentityRecords(stack.bootstrap, account_id) as records:
            done = list(await asyncio.gather(*asks))
            # The client's first login is the marker: nothing of the race comes after.
            if not await _logs_in_as(s, account_id, username, PASSWORD):
                raise RuntimeError("the client cannot log in after asking for resets")
            kinds = await records.types_until("FirstLogin")
        links = kinds.count("PasswordResetRequested")
        mails = await settled_mails(s, email, "Reset your password", at_least=1)
        live = [m for m in mails if (await s.journey.open_link(m.links[0])).status_code == 200]
    problems = []
    if {r.status_code for r in done} != {202} or len({r.text for r in done}) != 1:
        problems.append(f"answers differ: {sorted({(r.status_code, r.text) for r in done})}")
    if not 1 <= len(mails) <= links:
        problems.append(f"{len(mails)} reset emails for {links} links")
    if len(live) != 1:
        problems.append(f"{len(live)} of the emailed links work")
    return RaceResult(
        f"{requests} forgot-password requests for one address at once",
        attempts=requests,
        winners=links,
        expected=min(quota, requests),
        detail=f"answers {sorted({r.status_code for r in done})} (bodies identical: "
        f"{len({r.text for r in done}) == 1}); reset links sent: {links} (quota {quota}); "
        f"emails arrived: {len(mails)}, links that work: {len(live)}",
        problems=tuple(problems),
    )
