"""Named, timed steps: what `make up-docker` and `make test-docker` print as they go."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


@dataclass
class Steps:
    """Runs steps one after another, keeping how long each took and how it ended."""

    done: list[tuple[str, float, str]] = field(default_factory=list)

    def run(self, name: str, work: Callable[[], T]) -> T:
        """Run `work` as step `name`; its failure is recorded and raised again."""
        print(f"--- {name}", flush=True)
        started = time.monotonic()
        try:
            result = work()
        except BaseException:
            self.done.append((name, time.monotonic() - started, "failed"))
            self.report()
            raise
        self.done.append((name, time.monotonic() - started, "ok"))
        print(f"--- {name}: {self.done[-1][1]:.1f} s", flush=True)
        return result

    def report(self) -> None:
        """The table of steps: name, seconds, outcome, and the total."""
        width = max([len(name) for name, _, _ in self.done] + [5])
        print("\nstep".ljust(width + 2) + "   seconds  outcome")
        for name, seconds, outcome in self.done:
            print(f"{name:<{width}}  {seconds:8.1f}  {outcome}")
        total = sum(seconds for _, seconds, _ in self.done)
        print(f"{'total':<{width}}  {total:8.1f}", flush=True)
