"""``frontdesk topics ensure``: create every topic of the catalogue that is missing."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console

from .common import BadArgument, Options
from .topics import ensure_when_kafka_answers

out = Console()


def build(run: Any) -> typer.Typer:
    """The ``topics`` command group."""
    topics = typer.Typer(help="The catalogue's topics on the cluster.", no_args_is_help=True)

    @topics.command()
    def ensure(
        ctx: typer.Context,
        replication_factor: Annotated[
            int, typer.Option(help="Replicas of each new topic (1 on a single broker).")
        ] = 1,
        wait: Annotated[
            float, typer.Option(help="Seconds to keep trying while Kafka does not answer.")
        ] = 0.0,
    ) -> None:
        """Create the catalogue's missing topics (dead-letter topics too); keep the rest."""
        run(_ensure, ctx.obj, replication_factor, wait)

    return topics


async def _ensure(options: Options, replication_factor: int, wait: float) -> None:
    if replication_factor < 1:
        raise BadArgument("--replication-factor must be at least 1")
    if wait < 0:
        raise BadArgument("--wait must not be negative")
    created = await ensure_when_kafka_answers(
        options.bootstrap, options.topic_prefix, replication_factor, wait
    )
    out.print(f"created: {', '.join(created)}" if created else "every topic is present")
