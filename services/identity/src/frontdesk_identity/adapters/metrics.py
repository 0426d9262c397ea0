"""Identity's own metrics: one-time tokens issued, used and expired, by purpose, read
from the database at scrape time (one grouped COUNT), so every instance reports the
same, right numbers without counters inside the handlers; and the forgot-password and
signup requests answered whose work is still to do.
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
COUNT_DEFERRED = """
SELECT count(*) AS requests,
       coalesce(extract(epoch FROM now() - min(received_at)), 0)::float8 AS age
FROM deferred_requests
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


def watch_uniform_work(metrics: ServiceMetrics, work: BackgroundWork, pool: asyncpg.Pool) -> None:
    """`frontdesk_uniform_work_running` and `frontdesk_uniform_work_failed` (this
    instance), `frontdesk_deferred_requests` and `frontdesk_deferred_request_age_seconds`
    (every instance's, from the database), at scrape time."""
    kept = metrics.gauge(
        "frontdesk_deferred_requests",
        "Forgot-password and signup requests answered whose work is not done yet.",
    )
    oldest = metrics.gauge(
        "frontdesk_deferred_request_age_seconds",
        "How long the oldest of them has been waiting (0 when none).",
    )
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
        row = await pool.fetchrow(COUNT_DEFERRED)
        kept.set(row["requests"])
        oldest.set(row["age"])

    metrics.add_probe(probe)
