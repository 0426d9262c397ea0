"""``frontdesk replay``: rewind a consumer group to a time, an offset, or by a duration."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from frontdesk_contracts import topics_read_by

from . import audit
from .common import BadArgument, Options, group_of, parse_datetime, parse_duration, parse_topic
from .kafka import Cluster
from .replay import PartitionPlan, Target, apply, plan, select_partitions, wait_until_empty

out = Console()


def target_of(
    to_datetime: str | None,
    by_duration: str | None,
    to_offset: int | None,
    shift_by: int | None,
    to_earliest: bool,
    to_latest: bool,
) -> Target:
    """The one target the options ask for."""
    given = [
        to_datetime is not None,
        by_duration is not None,
        to_offset is not None,
        shift_by is not None,
        to_earliest,
        to_latest,
    ]
    if sum(given) != 1:
        raise BadArgument(
            "give exactly one of --to-datetime, --by-duration, --to-offset, --shift-by, "
            "--to-earliest, --to-latest"
        )
    if to_datetime is not None:
        return Target("datetime", at=parse_datetime(to_datetime))
    if by_duration is not None:
        return Target("datetime", at=datetime.now(UTC) - parse_duration(by_duration))
    if to_offset is not None:
        if to_offset < 0:
            raise BadArgument("--to-offset must be 0 or more")
        return Target("offset", offset=to_offset)
    if shift_by is not None:
        return Target("shift", offset=shift_by)
    return Target("earliest" if to_earliest else "latest")


def register(app: typer.Typer, run: Any) -> None:
    """Add the replay command to `app`."""

    @app.command()
    def replay(
        ctx: typer.Context,
        service: Annotated[
            str | None, typer.Option(help="identity, notifications or client-registry")
        ] = None,
        group: Annotated[
            str | None, typer.Option(help="A consumer group id, instead of --service.")
        ] = None,
        topic: Annotated[
            list[str] | None,
            typer.Option(help="TOPIC or TOPIC:0,2 (repeatable) [default: the group's topics]"),
        ] = None,
        to_datetime: Annotated[str | None, typer.Option(help="ISO 8601 time with zone.")] = None,
        by_duration: Annotated[
            str | None, typer.Option(help="Back from now: 90m, 2h, PT1H.")
        ] = None,
        to_offset: Annotated[int | None, typer.Option(help="An absolute offset.")] = None,
        shift_by: Annotated[int | None, typer.Option(help="Move by N (negative: back).")] = None,
        to_earliest: Annotated[bool, typer.Option(help="The oldest record kept.")] = False,
        to_latest: Annotated[bool, typer.Option(help="The end (skip everything).")] = False,
        execute: Annotated[
            bool, typer.Option("--execute", help="Commit the offsets (default: dry run).")
        ] = False,
        wait: Annotated[
            float, typer.Option(help="Seconds to wait for live members to leave.")
        ] = 0.0,
        reason: Annotated[str | None, typer.Option(help="Why (required with --execute).")] = None,
        yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    ) -> None:
        """Move a consumer group's offsets; a dry run (the default) shows what would be re-read."""
        options: Options = ctx.obj
        run(
            _replay,
            options,
            service,
            group,
            topic or [],
            (to_datetime, by_duration, to_offset, shift_by, to_earliest, to_latest),
            execute,
            wait,
            reason,
            yes,
        )


async def _replay(
    options: Options,
    service: str | None,
    group: str | None,
    topics: list[str],
    target_options: tuple[Any, ...],
    execute: bool,
    wait: float,
    reason: str | None,
    yes: bool,
) -> None:
    chosen_group = group_of(service, group)
    target = target_of(*target_options)
    actor = options.actor(reason, required=execute)
    if wait < 0:
        raise BadArgument("--wait must be 0 or more seconds")
    specs = [parse_topic(t) for t in topics] or [
        (options.topic_prefix + t.name, None)
        for t in topics_read_by(_catalogue_group(chosen_group))
    ]
    if not specs:
        raise BadArgument(f"group {chosen_group!r} reads no catalogue topic: give --topic")
    async with Cluster(options.bootstrap) as cluster:
        partitions = await select_partitions(cluster, specs)
        state = await cluster.group_state(chosen_group)
        plans = await plan(cluster, chosen_group, partitions, target)
        _show(chosen_group, plans, state.members)
        details = {
            "group": chosen_group,
            "target": target.describe(),
            "partitions": [_entry(p) for p in plans],
        }
        if not execute:
            audit.record(options.audit_log, actor, "replay", dry_run=True, **details)
            return
        await wait_until_empty(cluster, chosen_group, wait)
        if not yes and not typer.confirm(f"Move {chosen_group} to these offsets?"):
            raise BadArgument("not confirmed; nothing changed")
        # Plan again: while waiting for members to leave, they may have committed more.
        plans = await plan(cluster, chosen_group, partitions, target)
        await apply(cluster, chosen_group, plans)
        details["partitions"] = [_entry(p) for p in plans]
        audit.record(options.audit_log, actor, "replay", dry_run=False, **details)
        out.print(f"committed new offsets for {chosen_group} on {len(plans)} partition(s)")


def _catalogue_group(group: str) -> str:
    # A test namespace may prefix group ids (client-registry does): match on the suffix.
    from .common import SERVICE_GROUPS

    for known in SERVICE_GROUPS.values():
        if group.endswith(known):
            return known
    return group


def _entry(p: PartitionPlan) -> dict[str, Any]:
    return {
        "topic": p.topic,
        "partition": p.partition,
        "current": p.current,
        "new": p.new,
        "reread": p.reread,
        "skipped": p.skipped,
    }


def _show(group: str, plans: list[PartitionPlan], members: list[str]) -> None:
    table = Table(title=f"replay {group}")
    for column in ("topic", "partition", "current", "new", "end", "re-read", "skipped"):
        table.add_column(column, justify="left" if column == "topic" else "right")
    for p in plans:
        table.add_row(
            p.topic,
            str(p.partition),
            "-" if p.current is None else str(p.current),
            str(p.new),
            str(p.end),
            str(p.reread),
            str(p.skipped),
        )
    out.print(table)
    out.print(f"records to re-read: {sum(p.reread for p in plans)}")
    if members:
        out.print(f"[yellow]live members:[/yellow] {', '.join(members)}")
