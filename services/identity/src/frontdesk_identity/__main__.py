"""``python -m frontdesk_identity``: serve identity's HTTP API (and its consumers)."""

from __future__ import annotations

import uvicorn

from frontdesk_kit import configure_logging, load_settings

from .bootstrap import create_service
from .settings import IdentitySettings


def main() -> None:
    """Read settings (fail fast), configure JSON logs, serve until stopped."""
    settings = load_settings(IdentitySettings)
    configure_logging("identity", settings.log_level)
    # access_log off: link pages carry their token in the query string.
    uvicorn.run(
        create_service(settings),
        host=settings.http_host,
        port=settings.http_port,
        access_log=False,
        log_config=None,
        # X-Forwarded-For is believed only from FRONTDESK_IDENTITY_TRUSTED_PROXIES (the app's
        # TrustedProxies), never from whoever uvicorn would trust by default.
        proxy_headers=False,
    )


if __name__ == "__main__":
    main()
