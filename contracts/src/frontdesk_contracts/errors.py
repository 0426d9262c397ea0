"""Typed errors of the contracts package.

Every problem a consumer can meet while reading a record, or a service while opening a
sealed secret, is a subclass of `ContractError` whose message names the problem. A
consumer catches `ContractError`, sends the record to its dead-letter topic with
`str(error)` as the reason, and keeps going.
"""

from __future__ import annotations

from collections.abc import Sequence


class ContractError(Exception):
    """Base class of every error raised by `frontdesk_contracts`."""


class MalformedRecord(ContractError):
    """The record value is not UTF-8 JSON, or not a JSON object."""


class InvalidEnvelope(ContractError):
    """An envelope field is missing or has a wrong value.

    `field` names the envelope field, e.g. ``"time"`` or ``"correlation_id"``.
    """

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"invalid envelope field {field!r}: {problem}")
        self.field = field
        self.problem = problem


class UnknownEventType(ContractError):
    """The envelope names an event type this version of the contracts does not know."""

    def __init__(self, event_type: str) -> None:
        super().__init__(f"unknown event type {event_type!r}")
        self.event_type = event_type


class UnsupportedVersion(ContractError):
    """The event type is known but not in this schema version."""

    def __init__(self, event_type: str, version: int, known: Sequence[int]) -> None:
        versions = ", ".join(str(v) for v in sorted(known))
        super().__init__(
            f"unsupported schema version {version} of {event_type!r} (known: {versions})"
        )
        self.event_type = event_type
        self.version = version
        self.known = tuple(sorted(known))


class InvalidPayload(ContractError):
    """The payload does not validate against its (type, version) model.

    `fields` lists the dotted paths of the offending payload fields, e.g.
    ``("emails.0",)``; `problems` holds one human-readable line per field.
    """

    def __init__(self, event_type: str, version: int, problems: Sequence[tuple[str, str]]) -> None:
        detail = "; ".join(f"{field}: {message}" for field, message in problems)
        super().__init__(f"invalid payload of {event_type} v{version}: {detail}")
        self.event_type = event_type
        self.version = version
        self.fields = tuple(field for field, _ in problems)
        self.problems = tuple(problems)


class HeaderMismatch(ContractError):
    """A Kafka header disagrees with the JSON body (or has a value the contract forbids)."""

    def __init__(self, header: str, header_value: str, expected: str) -> None:
        super().__init__(f"header {header!r} is {header_value!r} but the body says {expected!r}")
        self.header = header
        self.header_value = header_value
        self.expected = expected


class UnexpectedEvent(ContractError):
    """A consumer asked for one payload type and the envelope holds another."""


class SealingError(ContractError):
    """Base class of the errors of sealed secrets and their keys."""


class UnknownKeyId(SealingError):
    """A sealed secret names a key id the key ring does not hold (e.g. after a rotation)."""

    def __init__(self, key_id: str, known: Sequence[str]) -> None:
        held = ", ".join(sorted(known)) or "none"
        super().__init__(f"no private key with id {key_id!r} in the key ring (held: {held})")
        self.key_id = key_id


class CannotOpenSecret(SealingError):
    """The ciphertext does not open with the private key of its key id."""


class InvalidKey(SealingError):
    """A serialised key is not base64 of a 32-byte X25519 key."""
