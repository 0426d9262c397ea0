"""``python -m frontdesk_registry``: run client-registry's HTTP app (and its consumers)."""

from __future__ import annotations

import uvicorn

from frontdesk_kit import configure_logging, load_settings
from frontdesk_registry.bootstrap import create_app
from frontdesk_registry.settings import RegistrySettings


def main() -> None:
    """Read the settings (or exit saying what to set), then serve."""
    settings = load_settings(RegistrySettings)
    configure_logging("client-registry", settings.log_level)
    app = create_app(settings)
    # X-Forwarded-For only from FRONTDESK_REGISTRY_TRUSTED_PROXIES (frontdesk_kit.edge).
    uvicorn.run(
        app, host=settings.http_host, port=settings.http_port, log_config=None, proxy_headers=False
    )


if __name__ == "__main__":
    main()
