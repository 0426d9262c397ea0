"""``python -m frontdesk_identity.openapi``: write the committed OpenAPI document."""

from __future__ import annotations

import json
from pathlib import Path

from .bootstrap import openapi_document

OPENAPI_FILE = Path(__file__).resolve().parents[2] / "openapi.json"


def render() -> str:
    """The document as committed: sorted keys, two-space indent, final newline."""
    return json.dumps(openapi_document(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    OPENAPI_FILE.write_text(render())
    print(f"wrote {OPENAPI_FILE}")
