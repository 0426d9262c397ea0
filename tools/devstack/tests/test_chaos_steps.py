"""Choosing the chaos run's steps and parts from the command line."""

from __future__ import annotations

import pytest

from frontdesk_devstack.chaos.__main__ import parse_args, run
from frontdesk_devstack.chaos.suite import chosen_steps, full_steps


def test_no_words_keeps_every_step() -> None:
    steps = full_steps()
    assert chosen_steps(steps, "") == steps


def test_words_pick_steps_whatever_their_case() -> None:
    names = [s.name for s in chosen_steps(full_steps(), "postgresql, KAFKA")]
    assert names == ["SIGKILL Kafka, restarted", "PostgreSQL crashed (immediate stop), restarted"]


def test_a_word_no_step_holds_is_refused_with_the_step_names() -> None:
    with pytest.raises(SystemExit, match=r"no step's name holds redis .*SIGKILL Kafka"):
        chosen_steps(full_steps(), "kafka,redis")


async def test_an_unknown_part_is_refused_before_anything_runs() -> None:
    with pytest.raises(SystemExit, match="--only: no part named fualts"):
        await run(parse_args(["--only", "fualts,races"]))
