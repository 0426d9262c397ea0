"""The quick subset of `make chaos`: under a steady load of admin creates, notifications
is SIGKILLed mid-burst and restarted, and the SMTP server has an outage. Nothing the API
accepted is lost; only a message caught in the SMTP send window may arrive twice.

The same code as `make chaos` (`frontdesk_devstack.chaos`), with short faults.
"""

from __future__ import annotations

import pytest

from frontdesk_devstack.chaos import faults
from frontdesk_devstack.chaos.__main__ import render_faults
from frontdesk_devstack.chaos.load import Mix
from frontdesk_devstack.chaos.suite import SEND_WINDOW_AT_ONCE, Step, run_steps
from frontdesk_devstack.services import NOTIFICATIONS

pytestmark = [pytest.mark.integration, pytest.mark.local_stack, pytest.mark.timeout(600)]

CREATES = Mix(create=5.0, reset=0.0, signup=0.0)


async def test_notifications_killed_mid_burst_loses_no_email(stack):
    kill = faults.kill_service(NOTIFICATIONS)
    steps = [Step("SIGKILL notifications, restarted", kill, (0, SEND_WINDOW_AT_ONCE))]

    outcome = await run_steps(steps, CREATES, lead=4.0, drain=180.0)

    print(render_faults(outcome))
    [row, after] = outcome.rows
    assert row.count.accepted >= 20, "the load did not run"
    assert row.count.lost == 0, outcome.lost
    assert row.count.duplicated <= SEND_WINDOW_AT_ONCE, render_faults(outcome)
    assert after.count.duplicated == 0, render_faults(outcome)
    assert row.recovery_seconds is not None


async def test_an_smtp_outage_delays_email_but_loses_and_repeats_none(stack):
    outage = faults.smtp_outage(refuse_seconds=10.0, tempfail_seconds=5.0)
    steps = [Step("SMTP refuses 10 s, then answers 451 5 s", outage)]

    outcome = await run_steps(steps, CREATES, lead=3.0, drain=180.0)

    print(render_faults(outcome))
    assert outcome.rows[0].count.accepted >= 20, "the load did not run"
    assert outcome.ok, render_faults(outcome)
