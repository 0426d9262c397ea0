"""``frontdesk resend`` and ``frontdesk republish``: actions through a service's ops API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import typer
from rich.console import Console

from . import audit
from .common import BadArgument, Options, parse_datetime
from .service_api import ServiceApi, base_url

out = Console()

Url = Annotated[str | None, typer.Option(help="The service's base URL [default: local].")]
Token = Annotated[
    str | None, typer.Option(envvar="FRONTDESK_OPS_TOKEN", help="The service's ops token.")
]


def register(app: typer.Typer, run: Any) -> None:
    """Add the resend and republish commands to `app`."""

    @app.command()
    def resend(
        ctx: typer.Context,
        message_id: Annotated[str | None, typer.Option(help="The message to send again.")] = None,
        event_id: Annotated[str | None, typer.Option(help="Or the event that caused it.")] = None,
        kind: Annotated[str | None, typer.Option(help="With --event-id: which email.")] = None,
        url: Url = None,
        ops_token: Token = None,
        reason: Annotated[str | None, typer.Option(help="Why (required).")] = None,
        yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    ) -> None:
        """Send one email exactly once more (notifications), recording who and why."""
        run(_resend, ctx.obj, message_id, event_id, kind, url, ops_token, reason, yes)

    @app.command()
    def republish(
        ctx: typer.Context,
        service: Annotated[str, typer.Option(help="identity, notifications or client-registry")],
        account: Annotated[str | None, typer.Option(help="One account's events.")] = None,
        since: Annotated[str | None, typer.Option(help="Events created at/after (ISO).")] = None,
        until: Annotated[str | None, typer.Option(help="Events created before (ISO).")] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count them.")] = False,
        url: Url = None,
        ops_token: Token = None,
        reason: Annotated[str | None, typer.Option(help="Why (required).")] = None,
        yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    ) -> None:
        """Emit again, from the service's outbox, one account's or a time range's events."""
        run(
            _republish, ctx.obj, service, account, since, until, dry_run, url, ops_token,
            reason, yes,
        )  # fmt: skip


def _uuid(text: str, option: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise BadArgument(f"{option} {text!r} is not a UUID") from None


async def _resend(
    options: Options,
    message_id: str | None,
    event_id: str | None,
    kind: str | None,
    url: str | None,
    token: str | None,
    reason: str | None,
    yes: bool,
) -> None:
    if (message_id is None) == (event_id is None):
        raise BadArgument("give exactly one of --message-id or --event-id")
    if kind is not None and event_id is None:
        raise BadArgument("--kind goes with --event-id")
    chosen = _uuid(message_id, "--message-id") if message_id else None
    event = _uuid(event_id, "--event-id") if event_id else None
    actor = options.actor(reason, required=True)
    async with ServiceApi(base_url("notifications", url), token) as api:
        if chosen is None:
            found = (await api.call("GET", "/messages", params={"event_id": str(event)}))[
                "messages"
            ]
            if kind is not None:
                found = [m for m in found if m["kind"] == kind]
            if not found:
                raise BadArgument(
                    f"no message for event {event}" + (f" of kind {kind}" if kind else "")
                )
            if len(found) > 1:
                kinds = ", ".join(m["kind"] for m in found)
                raise BadArgument(f"event {event} caused several emails ({kinds}): add --kind")
            chosen = UUID(found[0]["id"])
        if not yes and not typer.confirm(f"Send message {chosen} once more?"):
            raise BadArgument("not confirmed; nothing sent")
        body = {"operator": actor.operator, "reason": actor.reason}
        result = await api.call("POST", f"/ops/messages/{chosen}/resend", json=body)
    audit.record(
        options.audit_log,
        actor,
        "resend",
        original_id=str(chosen),
        new_message_id=result["message_id"],
    )
    out.print(f"queued message {result['message_id']} (a copy of {chosen})")


async def _republish(
    options: Options,
    service: str,
    account: str | None,
    since: str | None,
    until: str | None,
    dry_run: bool,
    url: str | None,
    token: str | None,
    reason: str | None,
    yes: bool,
) -> None:
    target = base_url(service, url)
    if account is None and since is None and until is None:
        raise BadArgument("give --account, or --since/--until, or both")
    if account is not None and not account.strip():
        raise BadArgument("--account is empty")
    start = parse_datetime(since) if since else None
    end = parse_datetime(until) if until else None
    if start is not None and end is not None and start >= end:
        raise BadArgument("--since must be before --until")
    actor = options.actor(reason, required=True)
    body: dict[str, Any] = {
        "operator": actor.operator,
        "reason": actor.reason,
        "account_id": account,
        "since": _iso(start),
        "until": _iso(end),
        "dry_run": True,
    }
    async with ServiceApi(target, token) as api:
        counted = (await api.call("POST", "/ops/republish", json=body))["events"]
        out.print(f"{counted} event(s) of {service} match")
        published = 0
        if not dry_run and counted:
            if not yes and not typer.confirm(f"Publish {counted} event(s) again?"):
                raise BadArgument("not confirmed; nothing published")
            published = (await api.call("POST", "/ops/republish", json={**body, "dry_run": False}))[
                "events"
            ]
            out.print(f"{published} event(s) queued for publication again")
    audit.record(
        options.audit_log, actor, "republish", dry_run=dry_run, service=service,
        account_id=account, since=_iso(start), until=_iso(end), matched=counted,
        republished=published,
    )  # fmt: skip


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
