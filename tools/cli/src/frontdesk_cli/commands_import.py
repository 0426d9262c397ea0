"""``frontdesk import``: bulk-import a studio's clients from a CSV file (ClientImported)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from . import audit
from .common import BadArgument, Options
from .importer import check, check_studio, new_import_id, publish, read_rows

out = Console()


def register(app: typer.Typer, run: Any) -> None:
    """Add the import command to `app`."""

    @app.command("import")
    def import_(
        ctx: typer.Context,
        file: Annotated[Path, typer.Argument(help="The CSV file (UTF-8, header row).")],
        studio: Annotated[str, typer.Option(help="The studio the clients belong to.")],
        import_id: Annotated[
            str | None, typer.Option(help="Id of this run [default: new].")
        ] = None,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Check rows, publish nothing.")
        ] = False,
        reason: Annotated[str | None, typer.Option(help="Why (for the audit log).")] = None,
    ) -> None:
        """Publish one ClientImported per valid row; report rejected rows and why."""
        run(_import, ctx.obj, file, studio, import_id, dry_run, reason)


async def _import(
    options: Options,
    file: Path,
    studio: str,
    import_id: str | None,
    dry_run: bool,
    reason: str | None,
) -> None:
    actor = options.actor(reason, required=False)
    studio_id = check_studio(studio)
    run_id = import_id or new_import_id()
    if not run_id.strip():
        raise BadArgument("--import-id is empty")
    checked = check(read_rows(file), studio_id, run_id)
    published = 0
    if checked.events and not dry_run:
        with Progress(
            TextColumn("publishing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=out,
        ) as progress:
            task = progress.add_task("publish", total=len(checked.events))
            published = await publish(
                options.bootstrap,
                options.topic_prefix,
                checked.events,
                lambda n: progress.advance(task, n),
            )
    _summary(len(checked.events), published, checked.rejected, dry_run)
    audit.record(
        options.audit_log,
        actor,
        "import",
        dry_run=dry_run,
        studio_id=studio_id,
        import_id=run_id,
        file=str(file),
        valid=len(checked.events),
        published=published,
        rejected=[
            {"line": r.line, "external_client_id": r.external_client_id, "reason": r.reason}
            for r in checked.rejected
        ],
    )


def _summary(valid: int, published: int, rejected: list[Any], dry_run: bool) -> None:
    out.print(
        f"valid rows: {valid}; published: {published}{' (dry run)' if dry_run else ''}; "
        f"rejected: {len(rejected)}"
    )
    if rejected:
        table = Table(title="rejected rows")
        for column in ("line", "external_client_id", "why"):
            table.add_column(column, overflow="fold")
        for row in rejected:
            table.add_row(str(row.line), row.external_client_id, row.reason)
        out.print(table)
