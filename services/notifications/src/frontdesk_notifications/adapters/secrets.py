"""Opening the sealed tokens of a message, with the service's key ring (rotation by key id)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from frontdesk_contracts import KeyRing, SealedSecret, SealingError, Secret


class UnopenableSecret(Exception):
    """A sealed token is sealed to a key this service does not hold, or is damaged."""


def open_secrets(ring: KeyRing, sealed: Mapping[str, Any]) -> dict[str, Secret]:
    """Open every sealed secret of a message (as stored: JSON of `SealedSecret`)."""
    opened = {}
    for name, value in sealed.items():
        try:
            opened[name] = ring.open(SealedSecret.model_validate(value))
        except (SealingError, ValueError) as error:
            raise UnopenableSecret(f"the {name} does not open: {error}") from None
    return opened
