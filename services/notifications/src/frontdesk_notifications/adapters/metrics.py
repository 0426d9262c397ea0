"""Notifications' own metrics: emails queued, sent, failed and suppressed, and how this
instance's sender kept its claims.

The email counts are read from the message log at scrape time (one grouped COUNT), so
every instance reports the same, right numbers without counters inside the handlers;
the claim figures are the sender loop's own, per instance.
"""

from __future__ import annotations

from typing import Protocol

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


class SenderFigures(Protocol):
    """What the sender loop counts about its claims."""

    renewals_failed: int
    claims_lost: int


def watch_sender(metrics: ServiceMetrics, sender: SenderFigures) -> None:
    """Gauges `frontdesk_email_lease_renewals_failed` and `frontdesk_email_claims_lost`:
    this instance's totals since it started (they only grow)."""
    renewals = metrics.gauge(
        "frontdesk_email_lease_renewals_failed",
        "Lease renewals of claimed emails that failed (database unreachable), since start.",
    )
    lost = metrics.gauge(
        "frontdesk_email_claims_lost",
        "Claimed emails another instance claimed after their lease lapsed (not sent by "
        "this one), since start.",
    )

    async def probe() -> None:
        renewals.set(sender.renewals_failed)
        lost.set(sender.claims_lost)

    metrics.add_probe(probe)
