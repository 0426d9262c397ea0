"""Identity's own metrics: one-time tokens issued, used and expired, by purpose, read
from the database at scrape time (one grouped COUNT), so every instance reports the
same, right numbers without counters inside the handlers; and this instance's
forgot-password and signup work still going on after the answer.
"""

from __future__ import annotations

import asyncpg

from frontdesk_kit import ServiceMetrics
from frontdesk_kit.background import BackgroundWork

COUNT_LINKS_BY_PURPOSE = """
SELECT purpose,
       count(*) AS issued,
       count(*) FILTER (WHERE used_at IS NOT NULL) AS used,
       count(*) FILTER (WHERE used_at IS NULL AND ended_at IS NULL AND expires_at < now())
           AS expired
FROM one_time_tokens
GROUP BY purpose
"""
PURPOSES = ("create_login", "password_reset", "email_verification")


def watch_tokens(metrics: ServiceMetrics, pool: asyncpg.Pool) -> None:
    """Gauges `frontdesk_tokens_issued|used|expired{purpose}` read from `pool`."""
    gauges = {
        state: metrics.gauge(
            f"frontdesk_tokens_{state}", f"One-time link tokens {state}, by purpose.", ["purpose"]
        )
        for state in ("issued", "used", "expired")
    }

    async def probe() -> None:
        rows = {row["purpose"]: row for row in await pool.fetch(COUNT_LINKS_BY_PURPOSE)}
        for purpose in PURPOSES:
            row = rows.get(purpose)
            for state, gauge in gauges.items():
                gauge.labels(purpose).set(row[state] if row is not None else 0)

    metrics.add_probe(probe)


def watch_uniform_work(metrics: ServiceMetrics, work: BackgroundWork) -> None:
    """`frontdesk_uniform_work_running` and `frontdesk_uniform_work_failed`, at scrape time."""
    running = metrics.gauge(
        "frontdesk_uniform_work_running",
        "Forgot-password and signup work going on after the answer.",
    )
    failed = metrics.gauge(
        "frontdesk_uniform_work_failed",
        "Forgot-password and signup work that failed after the answer, since the start.",
    )

    async def probe() -> None:
        running.set(work.running)
        failed.set(work.failed)

    metrics.add_probe(probe)
