"""The rendered overlays, once per run: `kubectl kustomize` of each (see `k8s`)."""

from __future__ import annotations

import pytest

from .k8s import OVERLAYS, Manifest, render


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[Manifest]]:
    """Every overlay's rendered objects, by overlay name."""
    return {name: render(path) for name, path in OVERLAYS.items()}
