"""Shared by every notifications unit test."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _settings_only_from_the_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests see the documented defaults, whatever the developer's shell exports."""
    for name in [n for n in os.environ if n.upper().startswith("FRONTDESK_NOTIFICATIONS_")]:
        monkeypatch.delenv(name)
