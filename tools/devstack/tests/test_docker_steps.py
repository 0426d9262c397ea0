"""`make up-docker` and `make test-docker` time each step and say how it ended."""

from __future__ import annotations

import pytest

from frontdesk_devstack.docker.steps import Steps


def test_each_step_is_timed_and_a_failure_is_recorded_then_raised(
    capsys: pytest.CaptureFixture[str],
) -> None:
    steps = Steps()

    assert steps.run("works", lambda: 42) == 42
    with pytest.raises(ZeroDivisionError):
        steps.run("breaks", lambda: 1 / 0)

    assert [(name, outcome) for name, _, outcome in steps.done] == [
        ("works", "ok"),
        ("breaks", "failed"),
    ]
    table = capsys.readouterr().out
    assert "works" in table and "failed" in table and "total" in table


def test_the_kills_count_every_finished_test_of_pytest_s_verbose_output() -> None:
    from frontdesk_devstack.docker.testrun import finished_test

    lines = [
        "tests/e2e/test_login.py::test_login_works PASSED [ 60%]",
        "tests/e2e/test_enumeration.py::test_same_answer[forgot password] PASSED [ 32%]",
        "tests/e2e/test_chaos.py::test_killed SKIPPED [ 24%]",
        "tests/e2e/test_x.py::test_y FAILED [ 99%]",
        "tests/e2e/test_bench_smoke.py::test_every_scenario_completed ",
        "FAILED tests/e2e/test_x.py::test_y - AssertionError",
        "================== 35 passed, 2 skipped in 253.19s ==================",
    ]

    assert [finished_test(line) for line in lines] == [True] * 4 + [False] * 3
