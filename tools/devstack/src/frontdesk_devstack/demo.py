"""`make demo`: the help article's paths played live against the stack `make up` started.

`python -m frontdesk_devstack.demo` acts as the people of the article (a studio admin
through the gateway, clients in the app and in their inbox, a migration importing
clients) and narrates, step by step, who does what, which events cross Kafka and which
emails arrive with their links. Every step waits at most `STEP_TIMEOUT` seconds; if one
does not happen the demo says which and exits with status 1.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
import uuid
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError
from rich.console import Console

from frontdesk_contracts import ClientImported, ContractError, from_record, new_event, to_record

from .assertion import IDENTITY_AUDIENCE, REGISTRY_AUDIENCE, gateway_key, sign_assertion
from .config import StackConfig
from .services import IDENTITY, REGISTRY

STEP_TIMEOUT = 20.0
PAUSE = 1.5  # between scenes, so a person can follow; the steps themselves never sleep
TOPICS = (
    "platform.client-imports.v1",
    "frontdesk.identity.v1",
    "frontdesk.client-registry.v1",
    "frontdesk.notifications.v1",
)
PASSWORD, NEW_PASSWORD = "violet harbour lantern", "copper meadow whistle"
console = Console(highlight=False)


class DemoFailed(Exception):
    """A step did not happen in time, or a service answered what it should not."""


def say(who: str, what: str) -> None:
    console.print(f"  [bold]{who}[/bold] {what}")


def check(condition: bool, failure: str) -> None:
    if not condition:
        raise DemoFailed(failure)


class Gateway:
    """The stand-in upstream gateway: signs admin assertions with the development key."""

    def __init__(self, cfg: StackConfig, admin_id: str, studios: dict[str, str]) -> None:
        try:
            self._key = gateway_key(cfg.root / "keys")
        except ValueError as error:
            raise DemoFailed(str(error)) from None
        self._admin_id, self._studios = admin_id, dict(studios)
        self.name = admin_id.split("-")[0].capitalize()

    def headers(self, audience: str) -> dict[str, str]:
        token = sign_assertion(self._key, self._admin_id, self._studios, audience)
        return {"Authorization": f"Bearer {token}"}


class Kafka:
    """Watches every Frontdesk topic from its end and prints the demo's own events."""

    def __init__(self, bootstrap: str) -> None:
        self._consumer = AIOKafkaConsumer(
            *TOPICS, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="latest"
        )
        self.ids: set[str] = set()  # accounts and studios of this demo run
        self.emails: set[str] = set()
        self._seen: list[tuple[str, Any]] = []
        self._shown = 0
        self._arrived = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._consumer.start()
        for _ in range(int(STEP_TIMEOUT * 10)):  # the partitions are assigned on metadata
            if {tp.topic for tp in self._consumer.assignment()} >= set(TOPICS):
                break
            await asyncio.sleep(0.1)
        else:
            raise DemoFailed("Kafka never assigned the Frontdesk topics to the demo")
        partitions = self._consumer.assignment()
        await self._consumer.seek_to_end(*partitions)
        for partition in partitions:  # resolve the end offsets now, before anything happens
            await self._consumer.position(partition)
        self._task = asyncio.create_task(self._read())

    async def stop(self) -> None:
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
            self._arrived.set()

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
                detail = _event_detail(event)
                console.print(
                    f"    [magenta]⇄ Kafka[/magenta] [dim]{topic:<29}[/dim] "
                    f"[bold magenta]{event.type}[/bold magenta] "
                    f"[dim]subject {_short(event.subject)}{detail}[/dim]"
                )
        self._shown = len(self._seen)

    async def expect(self, event_type: str, count: int = 1, **where: Any) -> list[Any]:
        """Wait for `count` events of `event_type` of this run (payload matching `where`)."""
        deadline = time.monotonic() + STEP_TIMEOUT
        while True:
            found = [
                e
                for _, e in self._seen
                if e.type == event_type
                and self._ours(e)
                and all(getattr(e.payload, k, None) == v for k, v in where.items())
            ]
            if len(found) >= count:
                self.show()
                return found
            if time.monotonic() > deadline:
                raise DemoFailed(f"no {event_type} crossed Kafka within {STEP_TIMEOUT:.0f} s")
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), timeout=1)
            except TimeoutError:
                continue


def _short(subject: str) -> str:
    return subject[:8] + "…" if len(subject) > 12 else subject


def _event_detail(event: Any) -> str:
    payload = event.payload
    for field in ("kind", "requested_by", "purpose", "reason"):
        if isinstance(getattr(payload, field, None), str):
            return f", {field} {getattr(payload, field)}"
    return ""


class Inbox:
    """The development inbox's JSON API."""

    def __init__(self, url: str) -> None:
        self._http = httpx.AsyncClient(base_url=url, timeout=STEP_TIMEOUT + 5)

    async def wait(self, to: str, subject: str, since: dict[str, Any] | None = None) -> Any:
        params: dict[str, Any] = {"to": to, "subject_contains": subject, "timeout": STEP_TIMEOUT}
        if since:
            params["since_id"] = since["id"]
        answer = await self._http.get("/api/messages/wait", params=params)
        if answer.status_code != 200:
            raise DemoFailed(f"no email '{subject}' reached {to} within {STEP_TIMEOUT:.0f} s")
        mail: dict[str, Any] = answer.json()
        link = next(iter(mail["links"]), "")
        console.print(f"    [green]✉ email[/green]  to {to}: [bold]{mail['subject']}[/bold]")
        if link:
            console.print(f"             [dim]link[/dim] [link={link}]{link}[/link]")
        return mail

    async def aclose(self) -> None:
        await self._http.aclose()


class Demo:
    """The people of the article and the services they use."""

    def __init__(self, cfg: StackConfig, kafka: Kafka, inbox: Inbox) -> None:
        tag = uuid.uuid4().hex[:6]
        self.tag, self.cfg, self.kafka, self.inbox = tag, cfg, kafka, inbox
        self.sunrise, self.harbour = f"sunrise-{tag}", f"harbour-{tag}"
        self.maria = Gateway(cfg, f"maria-{tag}", {self.sunrise: "Sunrise Yoga"})
        self.tom = Gateway(cfg, f"tom-{tag}", {self.harbour: "Harbour Climbing"})
        kafka.ids |= {self.sunrise, self.harbour}
        # Each person is on their own network: X-Forwarded-For, which uvicorn trusts from
        # 127.0.0.1, keeps repeated demos inside identity's per-IP email quota.
        ip = f"198.51.100.{uuid.uuid4().int % 254 + 1}"
        self.identity = httpx.AsyncClient(
            base_url=IDENTITY.url(), headers={"X-Forwarded-For": ip}, timeout=STEP_TIMEOUT
        )
        self.registry = httpx.AsyncClient(base_url=REGISTRY.url(), timeout=STEP_TIMEOUT)

    async def aclose(self) -> None:
        await self.identity.aclose()
        await self.registry.aclose()

    def email(self, name: str) -> str:
        address = f"{name}.{self.tag}@example.test"
        self.kafka.emails.add(address)
        return address

    async def call(self, expected: int, method: str, url: str, **kwargs: Any) -> Any:
        http = self.registry if url.startswith(REGISTRY.url()) else self.identity
        answer = await http.request(method, url, **kwargs)
        check(
            answer.status_code == expected,
            f"{method} {url} answered {answer.status_code}, not {expected}: {answer.text[:300]}",
        )
        return answer

    async def as_maria(self, expected: int, method: str, path: str, **kwargs: Any) -> Any:
        """An admin call of Maria's to identity, through the gateway."""
        headers = self.maria.headers(IDENTITY_AUDIENCE)
        return await self.call(expected, method, path, headers=headers, **kwargs)

    async def submit_link(self, link: str, **fields: str) -> str:
        """Open an email's link and submit its form, as a browser would; the answer's title."""
        page = (await self.call(200, "GET", link)).text
        token = re.search(r'name="token" value="([^"]+)"', page)
        action = re.search(r'<form method="post" action="([^"]+)"', page)
        check(bool(token and action), f"{link} shows no form")
        assert token and action
        done = await self.call(200, "POST", action[1], data={"token": token[1], **fields})
        return _title(done.text)

    async def log_in(self, login: str, password: str) -> dict[str, Any]:
        body = {"login": login, "password": password}
        answer = await self.call(200, "POST", "/v1/sessions", json=body)
        tokens: dict[str, Any] = answer.json()
        return tokens


def _title(html: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", html)
    return found[1] if found else "(no title)"


def _bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def admin_creates_a_client(demo: Demo) -> Client:
    console.rule("[bold]1 · An admin creates a client: the create-your-login email")
    ada = Client(demo.email("ada"), f"ada-{demo.tag}")
    say("Maria", f"(admin of Sunrise Yoga) creates the client Ada <{ada.email}>")
    body = {"email": ada.email, "given_name": "Ada", "family_name": "Lovelace"}
    created = await demo.as_maria(
        201, "POST", f"/v1/admin/studios/{demo.sunrise}/clients", json=body
    )
    ada.account = created.json()["account_id"]
    demo.kafka.ids.add(ada.account)
    await demo.kafka.expect("AccountCreatedByAdmin")
    ada.first_mail = await demo.inbox.wait(ada.email, "Create your login")
    await demo.kafka.expect("EmailSent", kind="create_login")
    return ada


async def admin_resends_welcome(demo: Demo, ada: Client) -> None:
    console.rule("[bold]2 · The admin resends the welcome email; the first link stops working")
    say("Maria", "sees that Ada never logged in, and presses Resend Welcome Email")
    await demo.as_maria(202, "POST", f"{ada.admin_url(demo)}/welcome-email", json=ada.address)
    await demo.kafka.expect("WelcomeEmailRequested")
    second = await demo.inbox.wait(ada.email, "create your login", since=ada.first_mail)
    await demo.kafka.expect("EmailSent", count=2, kind="create_login")
    stale = await demo.identity.get(ada.first_mail["links"][0])
    check(stale.status_code == 410, "the superseded welcome link still works")
    say("Ada", f"opens the first email's link: [red]410[/red] {_title(stale.text)}")
    fields = {"username": ada.username, "password": PASSWORD}
    title = await demo.submit_link(second["links"][0], **fields)
    say("Ada", f"opens the new link, picks the username {ada.username} and a password: {title}")
    await demo.kafka.expect("LoginCreated")


async def client_logs_in(demo: Demo, ada: Client) -> None:
    console.rule("[bold]3 · The client logs in, with the username or the email")
    for login in (ada.username, ada.email.upper()):
        await demo.log_in(login, PASSWORD)
        say("Ada", f"logs in as [bold]{login}[/bold]: signed in")
    await demo.kafka.expect("FirstLogin")
    view = (await demo.as_maria(200, "GET", f"{ada.admin_url(demo)}/access")).json()
    check(view["resend_welcome_allowed"] is False, "Resend Welcome Email still offered")
    say("Maria", "opens Ada: logged in, Resend Welcome Email is no longer offered")
    url = f"{ada.admin_url(demo)}/welcome-email"
    refused = await demo.as_maria(409, "POST", url, json=ada.address)
    say("Maria", f"tries anyway: [red]409[/red] {refused.json()['detail']}")


async def password_resets(demo: Demo, ada: Client) -> None:
    console.rule("[bold]4 · Password reset by the client: the link works once, for one hour")
    session = await demo.log_in(ada.username, PASSWORD)
    say("Ada", f"forgot her password; asks for a reset with {ada.email}")
    await demo.call(202, "POST", "/v1/password-resets", json={"login": ada.email})
    await demo.kafka.expect("PasswordResetRequested", requested_by="self")
    mail = await demo.inbox.wait(ada.email, "Reset your password")
    title = await demo.submit_link(mail["links"][0], password=NEW_PASSWORD)
    say("Ada", f"opens the link and sets a new password: {title}")
    await demo.kafka.expect("SessionsRevoked")
    await demo.inbox.wait(ada.email, "Your password was changed")
    await demo.kafka.expect("EmailSent", kind="password_changed")
    await demo.call(410, "GET", mail["links"][0])
    say("Ada", "opens the same link again: [red]410[/red] This link has already been used.")
    await demo.call(401, "GET", "/v1/me", headers=_bearer(session))
    say("Ada", "finds her session from before the reset ended: [red]401[/red]")
    await demo.log_in(ada.username, NEW_PASSWORD)
    say("Ada", "logs in with the new password: signed in")

    console.rule("[bold]5 · Password reset sent by the admin")
    say("Maria", "sends Ada a password reset from the front desk")
    await demo.as_maria(202, "POST", f"{ada.admin_url(demo)}/password-reset")
    await demo.kafka.expect("PasswordResetRequested", requested_by="admin")
    await demo.inbox.wait(ada.email, "Reset your password", since=mail)
    await demo.kafka.expect("EmailSent", count=2, kind="password_reset")


async def signup_and_merge(demo: Demo, producer: AIOKafkaProducer) -> None:
    console.rule("[bold]6 · Imported into two studios, signs up in the app, merges")
    noor = Client(demo.email("noor"), f"noor-{demo.tag}")
    say("a migration", "imports Noor into Sunrise Yoga and Harbour Climbing (no email is sent)")
    for number, studio in enumerate((demo.sunrise, demo.harbour), 1):
        imported = ClientImported(
            studio_id=studio,
            external_client_id=f"noor-{demo.tag}-{number}",
            given_name="Noor",
            family_name="Haddad",
            emails=[noor.email],
            phone="+44 20 7946 0958",
        )
        record = to_record(new_event(imported))
        await producer.send_and_wait(
            record.topic, record.value, key=record.key, headers=list(record.headers)
        )
    await demo.kafka.expect("ClientRecordCreated", count=2, origin="import")
    say("Noor", f"signs up in the app as {noor.username} with {noor.email}")
    signup = {
        "email": noor.email,
        "username": noor.username,
        "password": PASSWORD,
        "given_name": "Noor",
    }
    await demo.call(202, "POST", "/v1/signup", json=signup)
    await demo.kafka.expect("EmailVerificationRequested")
    mail = await demo.inbox.wait(noor.email, "Verify your email address")
    title = await demo.submit_link(mail["links"][0])
    say("Noor", f"opens the link and confirms: {title}")
    await demo.kafka.expect("SignupMatchedExisting")
    await demo.kafka.expect("MergeProposed", count=2)
    bearer = _bearer(await demo.log_in(noor.email, PASSWORD))
    noor.account = (await demo.call(200, "GET", "/v1/me", headers=bearer)).json()["account_id"]
    proposals = await _proposals(demo, bearer, 2)
    names = ", ".join(p["studio_name"] or p["studio_id"] for p in proposals)
    say("Noor", f"is offered {len(proposals)} studio records ({names}) and confirms both")
    for proposal in proposals:
        url = f"{REGISTRY.url()}/v1/me/merge-proposals/{proposal['proposal_id']}/confirm"
        await demo.call(200, "POST", url, headers=bearer)
    await demo.kafka.expect("AccountsMerged", count=2)
    await demo.inbox.wait(noor.email, "Your accounts were merged")
    await demo.kafka.expect("EmailSent", kind="accounts_merged")
    for gateway, studio in ((demo.maria, demo.sunrise), (demo.tom, demo.harbour)):
        listing = await demo.call(
            200,
            "GET",
            f"{REGISTRY.url()}/v1/studios/{studio}/clients",
            params={"q": noor.email},
            headers=gateway.headers(REGISTRY_AUDIENCE),
        )
        [record] = listing.json()["clients"]
        on_her_login = (record["account_id"], record["access_state"]) == (noor.account, "merged")
        check(on_her_login, f"{studio}'s admin does not see the merge: {record}")
        say(gateway.name, "sees in the studio's client list: Noor, on her one login (merged)")


async def _proposals(demo: Demo, bearer: dict[str, str], count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + STEP_TIMEOUT
    while time.monotonic() < deadline:
        url = f"{REGISTRY.url()}/v1/me/merge-proposals"
        found: list[dict[str, Any]] = (await demo.call(200, "GET", url, headers=bearer)).json()[
            "proposals"
        ]
        if len(found) >= count:
            return found
        await asyncio.sleep(0.2)
    raise DemoFailed(f"fewer than {count} merge proposals within {STEP_TIMEOUT:.0f} s")


class Client:
    """One client of the story: address, username, account, first email."""

    def __init__(self, email: str, username: str) -> None:
        self.email, self.username = email, username
        self.account = ""
        self.first_mail: dict[str, Any] = {}

    @property
    def address(self) -> dict[str, str]:
        return {"email": self.email}

    def admin_url(self, demo: Demo) -> str:
        return f"/v1/admin/studios/{demo.sunrise}/clients/{self.account}"


async def play(cfg: StackConfig) -> None:
    """Every scenario, one after another, against the running stack."""
    endpoints = json.loads((cfg.root / "stack.json").read_text())
    kafka, inbox = Kafka(endpoints["kafka_bootstrap"]), Inbox(endpoints["inbox_url"])
    producer = AIOKafkaProducer(bootstrap_servers=endpoints["kafka_bootstrap"], acks="all")
    demo = Demo(cfg, kafka, inbox)
    try:
        await kafka.start()
        await producer.start()
        ada = await admin_creates_a_client(demo)
        for scene in (admin_resends_welcome, client_logs_in, password_resets):
            await asyncio.sleep(PAUSE)
            await scene(demo, ada)
        await asyncio.sleep(PAUSE)
        await signup_and_merge(demo, producer)
    finally:
        await demo.aclose()
        await inbox.aclose()
        await producer.stop()
        await kafka.stop()


def main() -> int:
    """Run the demo; 0 when every step happened, 1 (with the reason) otherwise."""
    cfg = StackConfig.from_env()
    if not (cfg.root / "stack.json").exists():
        console.print("[red]The stack is not up: run `make up` first.[/red]")
        return 1
    console.print(
        "[bold]Frontdesk[/bold]: the help article's paths, live on the local stack. "
        "[magenta]⇄ Kafka[/magenta] lines are events read off the topics, "
        "[green]✉ email[/green] lines are mail in the dev inbox "
        f"({json.loads((cfg.root / 'stack.json').read_text())['inbox_url']})."
    )
    started = time.monotonic()
    try:
        asyncio.run(play(cfg))
    except DemoFailed as failure:
        console.print(f"\n[bold red]✗ demo failed:[/bold red] {failure}")
        return 1
    except (OSError, httpx.HTTPError, KafkaError) as error:
        console.print(f"\n[bold red]✗ demo failed:[/bold red] a service is unreachable: {error}")
        return 1
    console.rule(f"[bold green]✓ every path worked, in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
