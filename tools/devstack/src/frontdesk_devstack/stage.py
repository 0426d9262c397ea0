"""The stage `make demo` plays on: narration, the Kafka watch, the cast and their clients.

The admins sign through the test harness's `StandInGateway` and the mail is read with its
`InboxClient`, so the demo calls the services exactly as the end-to-end tests do. Every
wait has a deadline of `STEP_TIMEOUT` seconds; a step that does not happen in time
raises `DemoFailed`, naming it.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
from aiokafka import AIOKafkaConsumer
from rich.console import Console

from frontdesk_contracts import TOPICS as CATALOGUE_TOPICS
from frontdesk_contracts import ContractError, from_record
from frontdesk_testing import (
    Admin,
    InboxClient,
    Message,
    MessageWaitTimeoutError,
    StandInGateway,
    eventually,
)

from .config import StackConfig
from .services import IDENTITY, REGISTRY

STEP_TIMEOUT = 20.0
TOPICS = tuple(topic.name for topic in CATALOGUE_TOPICS)  # the demo watches them all
console = Console(highlight=False)
T = TypeVar("T")


class DemoFailed(Exception):
    """A step did not happen in time, or a service answered what it should not."""


def say(who: str, what: str) -> None:
    """Narrate what one person does."""
    console.print(f"  [bold]{who}[/bold] {what}")


def check(condition: bool, failure: str) -> None:
    """Stop the demo with `failure` unless `condition` holds."""
    if not condition:
        raise DemoFailed(failure)


async def within_step(check: Callable[[], Awaitable[T]]) -> T:
    """`eventually(check)` with the step's deadline; its assertion becomes a DemoFailed."""
    try:
        return await eventually(check, timeout=STEP_TIMEOUT, interval=0.1)
    except AssertionError as failure:
        raise DemoFailed(str(failure.__cause__ or failure)) from None


class KafkaWatch:
    """Watches every Frontdesk topic from its end and prints the demo's own events."""

    def __init__(self, bootstrap: str) -> None:
        self._consumer = AIOKafkaConsumer(
            *TOPICS, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="latest"
        )
        self.ids: set[str] = set()  # accounts and studios of this demo run
        self.emails: set[str] = set()
        self._seen: list[tuple[str, Any]] = []
        self._shown = 0
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Subscribe, and fix the end offsets before anything of the demo happens."""
        await self._consumer.start()

        async def assigned() -> None:  # the partitions are assigned on metadata
            topics = {tp.topic for tp in self._consumer.assignment()}
            assert topics >= set(TOPICS), "Kafka never assigned the Frontdesk topics to the demo"

        await within_step(assigned)
        partitions = self._consumer.assignment()
        await self._consumer.seek_to_end(*partitions)
        for partition in partitions:  # resolve the end offsets now, before anything happens
            await self._consumer.position(partition)
        self._task = asyncio.create_task(self._read())

    async def stop(self) -> None:
        """Stop reading."""
        if self._task:
            self._task.cancel()
        await self._consumer.stop()

    async def _read(self) -> None:
        while True:
            batch = await self._consumer.getmany(timeout_ms=200)
            for records in batch.values():
                for record in records:
                    try:
                        self._seen.append((record.topic, from_record(record.value, record.headers)))
                    except ContractError:
                        continue

    def _ours(self, event: Any) -> bool:
        payload = event.payload
        addresses = {getattr(payload, f, None) for f in ("email", "recipient")}
        if {event.subject, event.studio_id} & self.ids or addresses & self.emails:
            for field in ("account_id", "surviving_account_id"):
                if isinstance(getattr(payload, field, None), str):
                    self.ids.add(getattr(payload, field))
            if event.source != "platform":  # an import's subject is the studio's own client id
                self.ids.add(event.subject)
            return True
        return False

    def show(self) -> None:
        """Print this run's events that arrived since the last call, in order."""
        for topic, event in self._seen[self._shown :]:
            if self._ours(event):
                console.print(
                    f"    [magenta]⇄ Kafka[/magenta] [dim]{topic:<29}[/dim] "
                    f"[bold magenta]{event.type}[/bold magenta] "
                    f"[dim]subject {_short(event.subject)}{_event_detail(event)}[/dim]"
                )
        self._shown = len(self._seen)

    async def expect(self, event_type: str, count: int = 1, **where: Any) -> list[Any]:
        """Wait for `count` events of `event_type` of this run (payload matching `where`)."""

        async def arrived() -> list[Any]:
            found = [
                e
                for _, e in self._seen
                if e.type == event_type
                and self._ours(e)
                and all(getattr(e.payload, k, None) == v for k, v in where.items())
            ]
            assert len(found) >= count, f"no {event_type} crossed Kafka within {STEP_TIMEOUT:.0f} s"
            return found

        found = await within_step(arrived)
        self.show()
        return found


def _short(subject: str) -> str:
    return subject[:8] + "…" if len(subject) > 12 else subject


def _event_detail(event: Any) -> str:
    payload = event.payload
    for field in ("kind", "requested_by", "purpose", "reason"):
        if isinstance(getattr(payload, field, None), str):
            return f", {field} {getattr(payload, field)}"
    return ""


class Client:
    """One client of the story: address, username, account, first email."""

    def __init__(self, email: str, username: str) -> None:
        self.email, self.username = email, username
        self.account = ""
        self.first_mail: Message | None = None

    @property
    def address(self) -> dict[str, str]:
        """The JSON body naming the client's address."""
        return {"email": self.email}


class Cast:
    """The people of the article, the services they call and the inbox they read."""

    def __init__(self, cfg: StackConfig, kafka: KafkaWatch, inbox: InboxClient) -> None:
        tag = uuid.uuid4().hex[:6]
        self.tag, self.kafka, self.inbox = tag, kafka, inbox
        self.sunrise, self.harbour = f"sunrise-{tag}", f"harbour-{tag}"
        try:
            gateway = StandInGateway.load(cfg.root / "keys")
        except ValueError as error:
            raise DemoFailed(str(error)) from None
        self.maria = Admin(f"maria-{tag}", {self.sunrise: "Sunrise Yoga"}, gateway)
        self.tom = Admin(f"tom-{tag}", {self.harbour: "Harbour Climbing"}, gateway)
        kafka.ids |= {self.sunrise, self.harbour}
        # Each person is on their own network: X-Forwarded-For, which uvicorn trusts from
        # 127.0.0.1, keeps repeated demos inside identity's per-IP email quota.
        ip = f"198.51.100.{uuid.uuid4().int % 254 + 1}"
        self.identity = httpx.AsyncClient(
            base_url=IDENTITY.url(), headers={"X-Forwarded-For": ip}, timeout=STEP_TIMEOUT
        )
        self.registry = httpx.AsyncClient(base_url=REGISTRY.url(), timeout=STEP_TIMEOUT)

    async def aclose(self) -> None:
        """Close the HTTP clients."""
        await self.identity.aclose()
        await self.registry.aclose()

    def email(self, name: str) -> str:
        """This run's address for `name`, watched on Kafka."""
        address = f"{name}.{self.tag}@example.test"
        self.kafka.emails.add(address)
        return address

    def client_url(self, client: Client) -> str:
        """Maria's admin URL of one client in Sunrise Yoga."""
        return f"/v1/admin/studios/{self.sunrise}/clients/{client.account}"

    async def call(self, expected: int, method: str, url: str, **kwargs: Any) -> Any:
        """One HTTP call that must answer `expected`."""
        http = self.registry if url.startswith(REGISTRY.url()) else self.identity
        answer = await http.request(method, url, **kwargs)
        check(
            answer.status_code == expected,
            f"{method} {url} answered {answer.status_code}, not {expected}: {answer.text[:300]}",
        )
        return answer

    async def as_maria(self, expected: int, method: str, path: str, **kwargs: Any) -> Any:
        """An admin call of Maria's to identity, through the gateway."""
        return await self.call(expected, method, path, headers=self.maria.identity(), **kwargs)

    async def mail(self, to: str, subject: str, since: Message | None = None) -> Message:
        """The email to `to` whose subject contains `subject` (after `since`), narrated."""
        since_id = since.id if since is not None else None
        try:
            mail = await self.inbox.wait_for(
                to, subject_contains=subject, since_id=since_id, timeout=STEP_TIMEOUT
            )
        except MessageWaitTimeoutError:
            raise DemoFailed(
                f"no email '{subject}' reached {to} within {STEP_TIMEOUT:.0f} s"
            ) from None
        console.print(f"    [green]✉ email[/green]  to {to}: [bold]{mail.subject}[/bold]")
        if mail.links:
            link = mail.links[0]
            console.print(f"             [dim]link[/dim] [link={link}]{link}[/link]")
        return mail

    async def submit_link(self, link: str, **fields: str) -> str:
        """Open an email's link and submit its form, as a browser would; the answer's title."""
        page = (await self.call(200, "GET", link)).text
        token = re.search(r'name="token" value="([^"]+)"', page)
        action = re.search(r'<form method="post" action="([^"]+)"', page)
        if not (token and action):
            raise DemoFailed(f"{link} shows no form")
        done = await self.call(200, "POST", action[1], data={"token": token[1], **fields})
        return title(done.text)

    async def log_in(self, login: str, password: str) -> dict[str, Any]:
        """Log in; the tokens."""
        body = {"login": login, "password": password}
        tokens: dict[str, Any] = (await self.call(200, "POST", "/v1/sessions", json=body)).json()
        return tokens


def title(html: str) -> str:
    """A page's heading."""
    found = re.search(r"<h1>(.*?)</h1>", html)
    return found[1] if found else "(no title)"


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    """The header of a call with the client's access token."""
    return {"Authorization": f"Bearer {tokens['access_token']}"}
