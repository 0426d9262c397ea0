"""``python -m frontdesk_notifications.openapi``: write the ops API's OpenAPI document.

The document is committed as services/notifications/openapi.json; a unit test fails
when it drifts from the app.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from .bootstrap import create_app

DOCUMENT = Path(__file__).resolve().parents[2] / "openapi.json"


def document() -> dict[str, Any]:
    """The app's OpenAPI document (no settings or servers needed)."""
    spec: dict[str, Any] = create_app().openapi()
    return spec


def render() -> str:
    return json.dumps(document(), indent=2, sort_keys=True) + "\n"


def main() -> None:
    """Write the document, or with ``--check`` exit 1 when the committed one drifted."""
    if "--check" in sys.argv[1:]:
        sys.exit(0 if DOCUMENT.read_text() == render() else 1)
    DOCUMENT.write_text(render())


if __name__ == "__main__":
    main()
