"""Running the `frontdesk` command in tests: in-process (typer's runner, in a thread so
its asyncio.run does not meet the test's loop) with the audit log in a file."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from frontdesk_cli.app import app


@dataclass
class Result:
    """What a command did: exit code, output, and the audit lines it wrote."""

    exit_code: int
    output: str
    audit: list[dict[str, Any]]


class Cli:
    """`frontdesk` against the test's Kafka and topic namespace."""

    def __init__(self, bootstrap: str, prefix: str, audit_log: Path) -> None:
        self._globals = [
            "--bootstrap",
            bootstrap,
            "--topic-prefix",
            prefix,
            "--operator",
            "test-operator",
            "--audit-log",
            str(audit_log),
        ]
        self._audit_log = audit_log

    async def __call__(self, *args: str, input: str | None = None) -> Result:
        before = self._lines()
        runner = CliRunner()
        outcome = await asyncio.to_thread(
            runner.invoke, app, [*self._globals, *args], input=input, env={"COLUMNS": "200"}
        )
        return Result(outcome.exit_code, outcome.output, self._lines()[len(before) :])

    def _lines(self) -> list[dict[str, Any]]:
        if not self._audit_log.exists():
            return []
        return [json.loads(line) for line in self._audit_log.read_text().splitlines()]
