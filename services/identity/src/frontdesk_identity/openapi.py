"""``python -m frontdesk_identity.openapi``: write the committed OpenAPI document
(services/identity/openapi.json; ``--check`` exits 1 when it drifted from the app).
A unit test fails when it drifts."""

from __future__ import annotations

import sys
from pathlib import Path

from frontdesk_kit.launch import OpenApiFile

from .bootstrap import SPEC
from .settings import IdentitySettings

DOCUMENT = OpenApiFile(SPEC, IdentitySettings, Path(__file__).resolve().parents[2] / "openapi.json")

if __name__ == "__main__":
    DOCUMENT.main(sys.argv[1:])
