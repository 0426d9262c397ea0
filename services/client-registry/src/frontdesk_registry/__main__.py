"""``python -m frontdesk_registry``: serve client-registry's HTTP API, consumer and sweeper."""

from __future__ import annotations

from frontdesk_kit.launch import serve

from .bootstrap import SPEC
from .settings import RegistrySettings

if __name__ == "__main__":
    serve(SPEC, RegistrySettings)
