"""``python -m frontdesk_notifications``: serve notifications' ops API; the whole
service runs in its lifespan (outbox relay, Kafka consumer, sender loop)."""

from __future__ import annotations

from frontdesk_kit.launch import serve

from .bootstrap import SPEC
from .settings import NotificationsSettings

if __name__ == "__main__":
    serve(SPEC, NotificationsSettings)
