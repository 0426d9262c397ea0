"""The stack suite's results on disk: `<UTC timestamp>.json` and `.md` in the results
folder (`.local/bench/` by default, git-ignored), and `latest.json` / `latest.md` beside
them, so the last run is always at the same place."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from . import table


def stamp(moment: datetime) -> str:
    """A file name for a UTC moment that sorts in time order: 20260102T030405Z."""
    return moment.strftime("%Y%m%dT%H%M%SZ")


def markdown(result: dict[str, Any]) -> str:
    """The Markdown report: what ran, where, with which sizes, and the table."""
    config = json.dumps(result.get("config", {}), indent=2, sort_keys=True)
    env = ", ".join(f"{k} {v}" for k, v in result.get("environment", {}).items())
    return (
        f"# Frontdesk stack benchmark, {result['started_at']}\n\n"
        f"{env}\n\n{table.render_markdown(table.lines_of(result))}\n\n"
        f"Sizes and options:\n\n```json\n{config}\n```\n"
    )


def write(result: dict[str, Any], folder: Path, moment: datetime) -> list[Path]:
    """Write the result as JSON and Markdown, timestamped and as `latest`; the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = {"json": json.dumps(result, indent=2, sort_keys=True) + "\n", "md": markdown(result)}
    written = []
    for name in (stamp(moment), "latest"):
        for suffix, text in texts.items():
            path = folder / f"{name}.{suffix}"
            path.write_text(text)
            written.append(path)
    return written
