"""``python -m frontdesk_notifications``: the ops API on uvicorn, the whole service in its
lifespan (migrations, outbox relay, Kafka consumer, sender loop)."""

from __future__ import annotations

import uvicorn

from frontdesk_kit import load_settings

from .bootstrap import create_app
from .settings import NotificationsSettings


def main() -> None:
    """Read the settings (fail fast) and serve."""
    settings = load_settings(NotificationsSettings)
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        proxy_headers=False,  # X-Forwarded-For: the TRUSTED_PROXIES setting (frontdesk_kit.edge)
    )


if __name__ == "__main__":
    main()
