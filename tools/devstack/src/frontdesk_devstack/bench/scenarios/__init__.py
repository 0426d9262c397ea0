"""The benchmark scenarios: each is an async function that measures one thing once and
returns a `Row`; a suite (`..suites`) runs them over repeats and `..report` renders the rows.

- `relay`: raw aiokafka publishing, the outbox fill, the relay draining a backlog, and
  writers committing while the relay runs (the kit's `Outbox` and `OutboxRelay`);
- `emails`: raw aiosmtplib sending, and notifications' real sender loop.

A new scenario is a new function returning a `Row` under a new name; the suite that runs
it adds the row to its repeat, and the report gives its figures a line.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """What one scenario measured in one repeat: its name and its figures.

    Figures are plain numbers (`seconds`, `events_per_s`, ...), so a suite can take the
    median, min and max of each over the repeats.
    """

    scenario: str
    figures: dict[str, float]
