"""The ``frontdesk`` command: global options, and the commands wired to their modules.

Every command checks its arguments before contacting anything; a bad argument ends
with a one-line message and exit code 2, a failure while working with exit code 1,
and nothing changed in either case.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from . import commands_dlq, commands_import, commands_replay, commands_service, commands_topics
from .common import BadArgument, OpsFailure, Options

T = TypeVar("T")
err = Console(stderr=True)

app = typer.Typer(
    name="frontdesk",
    help="Operate Frontdesk: replay consumer groups, handle dead letters, import clients, "
    "resend an email, republish events, create the catalogue's topics.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _default_operator() -> str:
    try:
        return os.environ.get("FRONTDESK_OPERATOR") or getpass.getuser()
    except (KeyError, OSError):
        return ""


@app.callback()
def main_options(
    ctx: typer.Context,
    bootstrap: Annotated[
        str,
        typer.Option(envvar="FRONTDESK_KAFKA_BOOTSTRAP_SERVERS", help="Kafka host:port list."),
    ] = "127.0.0.1:19092",
    topic_prefix: Annotated[
        str,
        typer.Option(envvar="FRONTDESK_TOPIC_PREFIX", help="Prefix of every topic (tests)."),
    ] = "",
    operator: Annotated[
        str | None,
        typer.Option(help="Who runs this, for the audit log [default: $FRONTDESK_OPERATOR/$USER]"),
    ] = None,
    audit_log: Annotated[
        Path | None,
        typer.Option(envvar="FRONTDESK_AUDIT_LOG", help="Append audit lines here, not stdout."),
    ] = None,
) -> None:
    """Global options, given before the command."""
    ctx.obj = Options(
        bootstrap=bootstrap,
        topic_prefix=topic_prefix,
        operator=operator if operator is not None else _default_operator(),
        audit_log=audit_log,
    )


def run(work: Callable[..., Coroutine[Any, Any, T]], *args: Any, **kwargs: Any) -> T:
    """Run a command's async work, turning its failures into a message and an exit code."""
    try:
        return asyncio.run(work(*args, **kwargs))
    except BadArgument as error:
        err.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except OpsFailure as error:
        err.print(f"[red]failed:[/red] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


commands_replay.register(app, run)
app.add_typer(commands_dlq.build(run), name="dlq")
commands_import.register(app, run)
commands_service.register(app, run)
app.add_typer(commands_topics.build(run), name="topics")


def main() -> None:
    """Entry point of the ``frontdesk`` console script."""
    app(prog_name="frontdesk")
    sys.exit(0)
