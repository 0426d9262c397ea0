"""Admission: a bound on the HTTP requests one service instance works on at once.

Beyond `limit` requests in flight, a new request is refused at once with a 503
``overloaded`` problem and ``Retry-After: 1``, before any of the app's work (no
database, no crypto), so an overload costs the instance little and what it already
accepted finishes at full speed instead of every request slowing down together. The
gateway or the app retries after the pause. Health, readiness and metrics are never
refused: an overloaded instance must still say how it is.

Metrics: ``frontdesk_http_in_flight`` (gauge) and ``frontdesk_http_refused_total``
(counter, refusals for overload).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge
from starlette.types import ASGIApp, Receive, Scope, Send

from .problems import problem

ALWAYS_ADMITTED = ("/healthz", "/readyz", "/metrics")


class InFlightLimit:
    """Pure ASGI middleware: at most `limit` HTTP requests in flight (see the module)."""

    def __init__(self, app: ASGIApp, *, limit: int, registry: CollectorRegistry) -> None:
        if limit < 1:
            raise ValueError(f"the in-flight limit must be at least 1, not {limit}")
        self.app = app
        self.limit = limit
        self.in_flight = 0
        self._gauge = Gauge(
            "frontdesk_http_in_flight",
            "HTTP requests this instance is working on now.",
            registry=registry,
        )
        self._refused = Counter(
            "frontdesk_http_refused",
            "HTTP requests refused with 503 because the instance had too many in flight.",
            registry=registry,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in ALWAYS_ADMITTED:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            self._refused.inc()
            refusal = problem(
                503,
                "overloaded",
                "Overloaded",
                "too many requests in progress here; try again shortly",
                retry_after=1,
            )
            await refusal(scope, receive, send)
            return
        self.in_flight += 1
        self._gauge.set(self.in_flight)
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
            self._gauge.set(self.in_flight)
