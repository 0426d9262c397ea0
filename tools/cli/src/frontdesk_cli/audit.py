"""The audit log: one JSON line per action, saying who did what, why, and with what result.

Lines go to the file named by ``--audit-log`` (appended) or, without one, to stdout.
Dry runs are logged too (``"dry_run": true``), so a rehearsal is visible afterwards.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Actor:
    """Who runs the command and why (the reason may be empty for read-only commands)."""

    operator: str
    reason: str


def record(path: Path | None, actor: Actor, action: str, **details: Any) -> dict[str, Any]:
    """Write one audit line for `action`; return what was written."""
    entry: dict[str, Any] = {
        "time": datetime.now(UTC).isoformat(),
        "audit": True,
        "action": action,
        "operator": actor.operator,
        "reason": actor.reason,
        **details,
    }
    line = json.dumps(entry, default=str, sort_keys=False)
    if path is None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    else:
        with path.open("a", encoding="utf-8") as log:
            log.write(line + "\n")
    return entry
