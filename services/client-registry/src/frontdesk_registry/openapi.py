"""``python -m frontdesk_registry.openapi``: write the committed OpenAPI document
(services/client-registry/openapi.json; ``--check`` exits 1 when it drifted from the app).
A unit test fails when it drifts."""

from __future__ import annotations

import sys
from pathlib import Path

from frontdesk_kit.launch import OpenApiFile

from .bootstrap import SPEC
from .settings import RegistrySettings

DOCUMENT = OpenApiFile(SPEC, RegistrySettings, Path(__file__).resolve().parents[2] / "openapi.json")

if __name__ == "__main__":
    DOCUMENT.main(sys.argv[1:])
