"""``python -m frontdesk_notifications.openapi``: write the committed OpenAPI document
(services/notifications/openapi.json; ``--check`` exits 1 when it drifted from the app).
A unit test fails when it drifts."""

from __future__ import annotations

import sys
from pathlib import Path

from frontdesk_kit.launch import OpenApiFile

from .bootstrap import SPEC
from .settings import NotificationsSettings

DOCUMENT = OpenApiFile(
    SPEC, NotificationsSettings, Path(__file__).resolve().parents[2] / "openapi.json"
)

if __name__ == "__main__":
    DOCUMENT.main(sys.argv[1:])
