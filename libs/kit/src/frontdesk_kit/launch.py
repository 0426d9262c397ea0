"""How a service is launched: ``python -m frontdesk_<service>`` (`serve`) and
``python -m frontdesk_<service>.openapi`` (`OpenApiFile`), the same for all three."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from .logs import configure_logging
from .runtime import ServiceSpec, create_app
from .settings import ServiceSettings, load_settings


def serve(spec: ServiceSpec, settings_class: type[ServiceSettings]) -> None:
    """``python -m frontdesk_<service>``: read the settings (or exit naming what to set),
    log JSON lines, serve the app with uvicorn until stopped."""
    settings = load_settings(settings_class)
    configure_logging(spec.name, settings.log_level)
    uvicorn.run(
        create_app(spec, settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        # Off: link pages carry their token in the query string (the runtime logs paths).
        access_log=False,
        # X-Forwarded-For is believed only from TRUSTED_PROXIES (`edge.TrustedProxies`),
        # never from whoever uvicorn would trust by default.
        proxy_headers=False,
        # Idle connections outlive their clients' keep-alive (httpx 5 s, a gateway's
        # usually 60 s): a server closing one as the client reuses it fails that request.
        timeout_keep_alive=75,
    )


def openapi_document(spec: ServiceSpec, settings_class: type[ServiceSettings]) -> dict[str, Any]:
    """The OpenAPI document of a service, built from its spec alone: settings are the
    defaults, unvalidated (no key file read, nothing connected)."""
    document: dict[str, Any] = create_app(spec, settings_class.model_construct()).openapi()
    return document


@dataclass(frozen=True)
class OpenApiFile:
    """A service's committed OpenAPI document (``python -m frontdesk_<service>.openapi``
    writes it; a unit test compares it with `render()`)."""

    spec: ServiceSpec
    settings_class: type[ServiceSettings]
    path: Path

    def render(self) -> str:
        """The document as committed: sorted keys, two-space indent, final newline."""
        return (
            json.dumps(openapi_document(self.spec, self.settings_class), indent=2, sort_keys=True)
            + "\n"
        )

    def is_current(self) -> bool:
        """Whether the committed file is what the app describes now."""
        return self.path.is_file() and self.path.read_text() == self.render()

    def main(self, argv: Sequence[str] = ()) -> None:
        """Write the document; with ``--check``, exit 1 if the committed one drifted."""
        if "--check" in argv:
            raise SystemExit(0 if self.is_current() else 1)
        self.path.write_text(self.render())
        print(f"wrote {self.path.name}")
