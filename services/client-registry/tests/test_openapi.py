"""The committed OpenAPI document is the app's: regenerate it when this fails."""

from __future__ import annotations

from frontdesk_registry.openapi import DOCUMENT


def test_the_committed_openapi_document_matches_the_app() -> None:
    assert DOCUMENT.path.read_text() == DOCUMENT.render(), (
        "openapi.json is stale: run python -m frontdesk_registry.openapi"
    )
