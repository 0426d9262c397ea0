"""`make demo`: the help article's paths played live against the stack `make up` started.

`python -m frontdesk_devstack.demo` acts as the people of the article (a studio admin
through the gateway, clients in the app and in their inbox, a migration importing
clients) and narrates, step by step, who does what, which events cross Kafka and which
emails arrive with their links. Every step waits at most `STEP_TIMEOUT` seconds; if one
does not happen the demo says which and exits with status 1. The stage the scenes play
on (narration, Kafka watch, cast) is `frontdesk_devstack.stage`.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from frontdesk_contracts import ClientImported, new_event, to_record
from frontdesk_testing import REGISTRY_AUDIENCE, DevmailError, InboxClient

from .config import StackConfig
from .services import REGISTRY
from .stage import (
    STEP_TIMEOUT,
    Cast,
    Client,
    DemoFailed,
    KafkaWatch,
    bearer,
    check,
    console,
    say,
    title,
    within_step,
)

PAUSE = 1.5  # between scenes, so a person can follow; the steps themselves never sleep
PASSWORD, NEW_PASSWORD = "violet harbour lantern", "copper meadow whistle"


async def admin_creates_a_client(cast: Cast) -> Client:
    console.rule("[bold]1 · An admin creates a client: the create-your-login email")
    ada = Client(cast.email("ada"), f"ada-{cast.tag}")
    say("Maria", f"(admin of Sunrise Yoga) creates the client Ada <{ada.email}>")
    body = {"email": ada.email, "given_name": "Ada", "family_name": "Lovelace"}
    created = await cast.as_maria(
        201, "POST", f"/v1/admin/studios/{cast.sunrise}/clients", json=body
    )
    ada.account = created.json()["account_id"]
    cast.kafka.ids.add(ada.account)
    await cast.kafka.expect("AccountCreatedByAdmin")
    ada.first_mail = await cast.mail(ada.email, "Create your login")
    await cast.kafka.expect("EmailSent", kind="create_login")
    return ada


async def admin_resends_welcome(cast: Cast, ada: Client) -> None:
    console.rule("[bold]2 · The admin resends the welcome email; the first link stops working")
    say("Maria", "sees that Ada never logged in, and presses Resend Welcome Email")
    await cast.as_maria(202, "POST", f"{cast.client_url(ada)}/welcome-email", json=ada.address)
    await cast.kafka.expect("WelcomeEmailRequested")
    second = await cast.mail(ada.email, "create your login", since=ada.first_mail)
    await cast.kafka.expect("EmailSent", count=2, kind="create_login")
    assert ada.first_mail is not None  # scene 1 received it
    stale = await cast.identity.get(ada.first_mail.links[0])
    check(stale.status_code == 410, "the superseded welcome link still works")
    say("Ada", f"opens the first email's link: [red]410[/red] {title(stale.text)}")
    fields = {"username": ada.username, "password": PASSWORD}
    done = await cast.submit_link(second.links[0], **fields)
    say("Ada", f"opens the new link, picks the username {ada.username} and a password: {done}")
    await cast.kafka.expect("LoginCreated")


async def client_logs_in(cast: Cast, ada: Client) -> None:
    console.rule("[bold]3 · The client logs in, with the username or the email")
    for login in (ada.username, ada.email.upper()):
        await cast.log_in(login, PASSWORD)
        say("Ada", f"logs in as [bold]{login}[/bold]: signed in")
    await cast.kafka.expect("FirstLogin")
    view = (await cast.as_maria(200, "GET", f"{cast.client_url(ada)}/access")).json()
    check(view["resend_welcome_allowed"] is False, "Resend Welcome Email still offered")
    say("Maria", "opens Ada: logged in, Resend Welcome Email is no longer offered")
    url = f"{cast.client_url(ada)}/welcome-email"
    refused = await cast.as_maria(409, "POST", url, json=ada.address)
    say("Maria", f"tries anyway: [red]409[/red] {refused.json()['detail']}")


async def password_resets(cast: Cast, ada: Client) -> None:
    console.rule("[bold]4 · Password reset by the client: the link works once, for one hour")
    session = await cast.log_in(ada.username, PASSWORD)
    say("Ada", f"forgot her password; asks for a reset with {ada.email}")
    await cast.call(202, "POST", "/v1/password-resets", json={"login": ada.email})
    await cast.kafka.expect("PasswordResetRequested", requested_by="self")
    mail = await cast.mail(ada.email, "Reset your password")
    done = await cast.submit_link(mail.links[0], password=NEW_PASSWORD)
    say("Ada", f"opens the link and sets a new password: {done}")
    await cast.kafka.expect("SessionsRevoked")
    await cast.mail(ada.email, "Your password was changed")
    await cast.kafka.expect("EmailSent", kind="password_changed")
    await cast.call(410, "GET", mail.links[0])
    say("Ada", "opens the same link again: [red]410[/red] This link has already been used.")
    await cast.call(401, "GET", "/v1/me", headers=bearer(session))
    say("Ada", "finds her session from before the reset ended: [red]401[/red]")
    await cast.log_in(ada.username, NEW_PASSWORD)
    say("Ada", "logs in with the new password: signed in")

    console.rule("[bold]5 · Password reset sent by the admin")
    say("Maria", "sends Ada a password reset from the front desk")
    await cast.as_maria(202, "POST", f"{cast.client_url(ada)}/password-reset")
    await cast.kafka.expect("PasswordResetRequested", requested_by="admin")
    await cast.mail(ada.email, "Reset your password", since=mail)
    await cast.kafka.expect("EmailSent", count=2, kind="password_reset")


async def signup_and_merge(cast: Cast, producer: AIOKafkaProducer) -> None:
    console.rule("[bold]6 · Imported into two studios, signs up in the app, merges")
    noor = Client(cast.email("noor"), f"noor-{cast.tag}")
    say("a migration", "imports Noor into Sunrise Yoga and Harbour Climbing (no email is sent)")
    for number, studio in enumerate((cast.sunrise, cast.harbour), 1):
        imported = ClientImported(
            studio_id=studio,
            external_client_id=f"noor-{cast.tag}-{number}",
            given_name="Noor",
            family_name="Haddad",
            emails=[noor.email],
            phone="+44 20 7946 0958",
        )
        record = to_record(new_event(imported))
        await producer.send_and_wait(
            record.topic, record.value, key=record.key, headers=list(record.headers)
        )
    await cast.kafka.expect("ClientRecordCreated", count=2, origin="import")
    say("Noor", f"signs up in the app as {noor.username} with {noor.email}")
    signup = {
        "email": noor.email,
        "username": noor.username,
        "password": PASSWORD,
        "given_name": "Noor",
    }
    await cast.call(202, "POST", "/v1/signup", json=signup)
    await cast.kafka.expect("EmailVerificationRequested")
    mail = await cast.mail(noor.email, "Verify your email address")
    done = await cast.submit_link(mail.links[0])
    say("Noor", f"opens the link and confirms: {done}")
    await cast.kafka.expect("SignupMatchedExisting")
    await cast.kafka.expect("MergeProposed", count=2)
    noor_bearer = bearer(await cast.log_in(noor.email, PASSWORD))
    me = await cast.call(200, "GET", "/v1/me", headers=noor_bearer)
    noor.account = me.json()["account_id"]
    proposals = await _proposals(cast, noor_bearer, 2)
    names = ", ".join(p["studio_name"] or p["studio_id"] for p in proposals)
    say("Noor", f"is offered {len(proposals)} studio records ({names}) and confirms both")
    for proposal in proposals:
        url = f"{REGISTRY.url()}/v1/me/merge-proposals/{proposal['proposal_id']}/confirm"
        await cast.call(200, "POST", url, headers=noor_bearer)
    await cast.kafka.expect("AccountsMerged", count=2)
    await cast.mail(noor.email, "Your accounts were merged")
    await cast.kafka.expect("EmailSent", kind="accounts_merged")
    for name, admin in (("Maria", cast.maria), ("Tom", cast.tom)):
        listing = await cast.call(
            200,
            "GET",
            f"{REGISTRY.url()}/v1/studios/{admin.studio_id}/clients",
            params={"q": noor.email},
            headers=admin.headers(REGISTRY_AUDIENCE),
        )
        [record] = listing.json()["clients"]
        on_her_login = (record["account_id"], record["access_state"]) == (noor.account, "merged")
        check(on_her_login, f"{admin.studio_id}'s admin does not see the merge: {record}")
        say(name, "sees in the studio's client list: Noor, on her one login (merged)")


async def _proposals(cast: Cast, headers: dict[str, str], count: int) -> list[dict[str, Any]]:
    url = f"{REGISTRY.url()}/v1/me/merge-proposals"

    async def offered() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = (await cast.call(200, "GET", url, headers=headers)).json()[
            "proposals"
        ]
        within = f"within {STEP_TIMEOUT:.0f} s"
        assert len(found) >= count, f"fewer than {count} merge proposals {within}"
        return found

    return await within_step(offered)


async def play(cfg: StackConfig) -> None:
    """Every scenario, one after another, against the running stack."""
    endpoints = json.loads((cfg.root / "stack.json").read_text())
    kafka = KafkaWatch(endpoints["kafka_bootstrap"])
    producer = AIOKafkaProducer(bootstrap_servers=endpoints["kafka_bootstrap"], acks="all")
    async with InboxClient(endpoints["inbox_url"]) as inbox:
        cast = Cast(cfg, kafka, inbox)
        try:
            await kafka.start()
            await producer.start()
            ada = await admin_creates_a_client(cast)
            for scene in (admin_resends_welcome, client_logs_in, password_resets):
                await asyncio.sleep(PAUSE)
                await scene(cast, ada)
            await asyncio.sleep(PAUSE)
            await signup_and_merge(cast, producer)
        finally:
            await cast.aclose()
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
    except (OSError, httpx.HTTPError, KafkaError, DevmailError) as error:
        console.print(f"\n[bold red]✗ demo failed:[/bold red] a service is unreachable: {error}")
        return 1
    console.rule(f"[bold green]✓ every path worked, in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
