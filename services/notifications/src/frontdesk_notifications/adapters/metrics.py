"""Notifications' own metrics: emails queued, sent, failed and suppressed.

Read from the message log at scrape time (one grouped COUNT), so every instance
reports the same, right numbers without counters inside the handlers.
"""

from __future__ import annotations

import asyncpg

from frontdesk_kit import ServiceMetrics

EMAIL_COUNTS = "SELECT status, count(*) AS n FROM outgoing_messages GROUP BY status"
STATUSES = ("queued", "sent", "failed", "suppressed", "cancelled")


def watch_emails(metrics: ServiceMetrics, pool: asyncpg.Pool) -> None:
    """Gauges `frontdesk_emails_<status>` (queued, sent, failed, suppressed, cancelled)."""
    gauges = {
        status: metrics.gauge(f"frontdesk_emails_{status}", f"Outgoing emails now {status}.")
        for status in STATUSES
    }

    async def probe() -> None:
        counts = {row["status"]: row["n"] for row in await pool.fetch(EMAIL_COUNTS)}
        for status, gauge in gauges.items():
            gauge.set(counts.get(status, 0))

    metrics.add_probe(probe)
