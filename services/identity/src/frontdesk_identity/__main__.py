"""``python -m frontdesk_identity``: serve identity's HTTP API, link pages and consumer."""

from __future__ import annotations

from frontdesk_kit.launch import serve

from .bootstrap import SPEC
from .settings import IdentitySettings

if __name__ == "__main__":
    serve(SPEC, IdentitySettings)
