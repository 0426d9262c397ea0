"""``frontdesk dlq``: list, show, redrive and purge a consumer group's dead letters."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from . import audit
from .common import BadArgument, OpsFailure, Options, group_of
from .dlq import Letter, Selection, purge, read_letters, redrive, topic_of
from .kafka import Cluster

out = Console()

Service = Annotated[str | None, typer.Option(help="identity, notifications or client-registry")]
Group = Annotated[str | None, typer.Option(help="A consumer group id, instead of --service.")]


def build(run: Any) -> typer.Typer:
    """The ``dlq`` command group."""
    dlq = typer.Typer(help="Dead letters of a consumer group.", no_args_is_help=True)

    @dlq.command("list")
    def list_(
        ctx: typer.Context,
        service: Service = None,
        group: Group = None,
        limit: Annotated[int, typer.Option(min=1, help="Show at most this many.")] = 100,
        as_json: Annotated[
            bool, typer.Option("--json", help="JSON lines instead of a table.")
        ] = False,
    ) -> None:
        """The group's dead letters, oldest first."""
        run(_list, ctx.obj, service, group, limit, as_json)

    @dlq.command()
    def show(
        ctx: typer.Context,
        offset: Annotated[int, typer.Argument(min=0, help="The letter's offset (from list).")],
        service: Service = None,
        group: Group = None,
    ) -> None:
        """One letter: reason, original topic/partition/offset, headers and value."""
        run(_show, ctx.obj, service, group, offset)

    @dlq.command("redrive")
    def redrive_(
        ctx: typer.Context,
        service: Service = None,
        group: Group = None,
        offset: Annotated[
            list[int] | None, typer.Option(help="A letter's offset (repeatable).")
        ] = None,
        all_: Annotated[
            bool, typer.Option("--all", help="Every letter (with filters: all matching).")
        ] = False,
        event_type: Annotated[
            str | None, typer.Option(help="Only letters of this event type.")
        ] = None,
        reason_contains: Annotated[
            str | None, typer.Option(help="Only letters whose reason has this.")
        ] = None,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Show what would be sent.")
        ] = False,
        reason: Annotated[str | None, typer.Option(help="Why (required).")] = None,
        yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    ) -> None:
        """Publish letters back to their original topic, once their cause is fixed."""
        selection = Selection(offset or (), all_, event_type, reason_contains)
        run(_redrive, ctx.obj, service, group, selection, dry_run, reason, yes)

    @dlq.command("purge")
    def purge_(
        ctx: typer.Context,
        service: Service = None,
        group: Group = None,
        before: Annotated[
            int | None, typer.Option(help="Delete letters below this offset.")
        ] = None,
        all_: Annotated[bool, typer.Option("--all", help="Delete every letter now there.")] = False,
        reason: Annotated[str | None, typer.Option(help="Why (required).")] = None,
        yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    ) -> None:
        """Delete dead letters for good (e.g. after redriving them)."""
        run(_purge, ctx.obj, service, group, before, all_, reason, yes)

    return dlq


async def _letters(
    options: Options, service: str | None, group: str | None
) -> tuple[str, list[Letter]]:
    topic = topic_of(options.topic_prefix, group_of(service, group))
    async with Cluster(options.bootstrap) as cluster:
        return topic, await read_letters(cluster, topic)


async def _list(
    options: Options, service: str | None, group: str | None, limit: int, as_json: bool
) -> None:
    topic, letters = await _letters(options, service, group)
    shown = letters[:limit]
    if as_json:
        for letter in shown:
            out.print_json(json.dumps(letter.summary()))
        return
    table = Table(title=f"{topic}: {len(letters)} letter(s)")
    for column in ("offset", "failed_at", "event_type", "event_id", "origin", "reason"):
        table.add_column(column, overflow="fold")
    for letter in shown:
        s = letter.summary()
        table.add_row(
            *(str(s[c]) for c in ("offset", "failed_at", "event_type", "event_id", "origin")),
            s["reason"][:80],
        )
    out.print(table)


async def _show(options: Options, service: str | None, group: str | None, offset: int) -> None:
    topic, letters = await _letters(options, service, group)
    found = [letter for letter in letters if letter.offset == offset]
    if not found:
        raise BadArgument(f"no letter at offset {offset} on {topic}")
    out.print_json(json.dumps(found[0].details(), default=str))


async def _redrive(
    options: Options,
    service: str | None,
    group: str | None,
    selection: Selection,
    dry_run: bool,
    reason: str | None,
    yes: bool,
) -> None:
    chosen_group = group_of(service, group)
    selection.validate()
    actor = options.actor(reason, required=True)
    topic = topic_of(options.topic_prefix, chosen_group)
    async with Cluster(options.bootstrap) as cluster:
        letters = await read_letters(cluster, topic)
        chosen = [letter for letter in letters if selection.matches()(letter)]
        missing = sorted(set(selection.offsets) - {letter.offset for letter in chosen})
        if missing:
            raise BadArgument(f"no letter at offset {', '.join(map(str, missing))} on {topic}")
        if not chosen:
            raise OpsFailure(f"no letter on {topic} matches; nothing sent")
        out.print(f"{len(chosen)} letter(s) to redrive from {topic}")
        details: dict[str, Any] = {
            "group": chosen_group,
            "dlq_topic": topic,
            "offsets": [c.offset for c in chosen],
        }
        if dry_run:
            audit.record(options.audit_log, actor, "dlq.redrive", dry_run=True, **details)
            return
        if not yes and not typer.confirm(f"Redrive {len(chosen)} letter(s)?"):
            raise BadArgument("not confirmed; nothing changed")
        sent = await redrive(cluster, chosen)
    audit.record(options.audit_log, actor, "dlq.redrive", dry_run=False, sent=sent, **details)
    out.print(f"redriven: {len(sent)}")


async def _purge(
    options: Options,
    service: str | None,
    group: str | None,
    before: int | None,
    every: bool,
    reason: str | None,
    yes: bool,
) -> None:
    chosen_group = group_of(service, group)
    if (before is None) == (not every):
        raise BadArgument("give exactly one of --before OFFSET or --all")
    if before is not None and before < 0:
        raise BadArgument("--before must be 0 or more")
    actor = options.actor(reason, required=True)
    topic = topic_of(options.topic_prefix, chosen_group)
    if not yes and not typer.confirm(f"Delete dead letters of {topic} for good?"):
        raise BadArgument("not confirmed; nothing changed")
    async with Cluster(options.bootstrap) as cluster:
        deleted = await purge(cluster, topic, before)
    audit.record(
        options.audit_log,
        actor,
        "dlq.purge",
        group=chosen_group,
        dlq_topic=topic,
        before=before,
        deleted=deleted,
    )
    out.print(f"deleted: {sum(deleted.values())}")
