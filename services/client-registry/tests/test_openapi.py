"""The committed OpenAPI document is the app's: regenerate it when this fails."""

from __future__ import annotations

import json
from pathlib import Path

from frontdesk_registry.bootstrap import create_app

DOCUMENT = Path(__file__).parents[1] / "openapi.json"


def render(settings) -> str:  # type: ignore[no-untyped-def]
    """The app's OpenAPI document as committed (sorted keys, two-space indent)."""
    return json.dumps(create_app(settings).openapi(), indent=2, sort_keys=True) + "\n"


def test_the_committed_openapi_document_matches_the_app(settings):
    assert DOCUMENT.read_text() == render(settings), (
        "openapi.json is stale: run `python services/client-registry/tests/test_openapi.py`"
    )


if __name__ == "__main__":
    from frontdesk_registry.settings import RegistrySettings

    dev = RegistrySettings(
        database_url="postgresql://u@db.invalid/x", kafka_bootstrap_servers="k.invalid:9092"
    )
    DOCUMENT.write_text(render(dev))
