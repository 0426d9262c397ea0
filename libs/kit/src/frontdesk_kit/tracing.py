"""Tracing through Kafka headers, off by default (a service's TRACING_ENABLED setting).

`KafkaTracing` continues each consumed record's ``traceparent`` in a consumer span, and
`current_traceparent` hands that trace on to the events the handler writes (the outbox
puts it in their ``traceparent`` header). Only the OpenTelemetry API is used: spans are
recorded and exported where a deployment installs and configures an SDK.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from faststream import BaseMiddleware


class KafkaTracing(BaseMiddleware):
    """Handles each record inside a consumer span that continues its ``traceparent``.

    Uses only the OpenTelemetry API: the global tracer provider decides whether spans
    are recorded and exported (a no-op until the deployment configures an SDK).
    """

    async def consume_scope(self, call_next: Callable[[Any], Awaitable[Any]], msg: Any) -> Any:
        from opentelemetry import propagate, trace

        headers = {k: v for k, v in (msg.headers or {}).items() if isinstance(v, str)}
        parent = propagate.extract(headers)
        topic = getattr(msg.raw_message, "topic", "") if msg.raw_message is not None else ""
        tracer = trace.get_tracer("frontdesk.kafka")
        with tracer.start_as_current_span(
            f"{topic} process",
            context=parent,
            kind=trace.SpanKind.CONSUMER,
            attributes={"messaging.system": "kafka", "messaging.destination.name": topic},
        ):
            return await call_next(msg)


def current_traceparent() -> str | None:
    """The W3C traceparent of the current span, to put on outgoing events (None: no span)."""
    from opentelemetry import propagate

    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")
