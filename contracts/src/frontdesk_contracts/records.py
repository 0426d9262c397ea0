"""Kafka records: the envelope as the JSON value, its facts repeated in headers.

The value is the whole envelope as compact UTF-8 JSON (CloudEvents "structured" in
spirit: the body is authoritative). The headers repeat the envelope's facts in the
CloudEvents Kafka binding style, so tools that never parse the body can route and
trace. `from_record` checks the headers that are present against the body.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

from pydantic import ValidationError

from frontdesk_contracts.catalogue import topic_for_event
from frontdesk_contracts.envelope import Envelope, envelope_model
from frontdesk_contracts.errors import (
    HeaderMismatch,
    InvalidEnvelope,
    InvalidPayload,
    MalformedRecord,
)
from frontdesk_contracts.events.base import EventPayload
from frontdesk_contracts.events.registry import REGISTRY, EventRegistry
from frontdesk_contracts.headers import (
    CAUSATION_ID,
    CE_ID,
    CE_SCHEMAVERSION,
    CE_SOURCE,
    CE_SPECVERSION,
    CE_SUBJECT,
    CE_TIME,
    CE_TYPE,
    CONTENT_TYPE,
    CORRELATION_ID,
    JSON_CONTENT_TYPE,
    SPECVERSION,
    STUDIO_ID,
    TRACEPARENT,
    is_traceparent,
    new_traceparent,
)

Headers = list[tuple[str, bytes]]
T = TypeVar("T")


@dataclass(frozen=True)
class KafkaRecord:
    """Everything a producer needs to publish one event."""

    topic: str
    key: bytes
    headers: Headers
    value: bytes


def rfc3339(moment: datetime) -> str:
    """`moment` in UTC as RFC 3339 with microseconds and a ``Z``."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def event_headers(event: Envelope[Any], traceparent: str | None = None) -> Headers:
    """The record headers of `event`.

    A valid `traceparent` passes through; a missing or malformed one starts a new trace,
    as the W3C Trace Context recommends.
    """
    if traceparent is None or not is_traceparent(traceparent):
        traceparent = new_traceparent()
    pairs = [
        (CE_ID, str(event.id)),
        (CE_TYPE, event.type),
        (CE_SOURCE, event.source),
        (CE_SPECVERSION, SPECVERSION),
        (CE_TIME, rfc3339(event.time)),
        (CE_SUBJECT, event.subject),
        (CE_SCHEMAVERSION, str(event.schema_version)),
        (CONTENT_TYPE, JSON_CONTENT_TYPE),
        (CORRELATION_ID, event.correlation_id),
        (CAUSATION_ID, event.causation_id),
        (STUDIO_ID, event.studio_id),
        (TRACEPARENT, traceparent),
    ]
    return [(name, value.encode("utf-8")) for name, value in pairs if value is not None]


def record_key(event: Envelope[Any]) -> bytes:
    """The record key the catalogue prescribes for `event`'s topic."""
    topic = topic_for_event(event.type)
    key = event.subject if topic.key == "subject" else event.studio_id
    if key is None:
        raise InvalidEnvelope("studio_id", f"{topic.name} is keyed by studio id")
    return key.encode("utf-8")


def to_record(event: Envelope[Any], *, traceparent: str | None = None) -> KafkaRecord:
    """The Kafka record of `event`: catalogue topic and key, headers, JSON value."""
    return KafkaRecord(
        topic=topic_for_event(event.type).name,
        key=record_key(event),
        headers=event_headers(event, traceparent),
        value=event.to_json(),
    )


def header_value(headers: Sequence[tuple[str, bytes]] | None, name: str) -> str | None:
    """The last value of header `name` as text, or None when absent."""
    found = None
    for key, value in headers or ():
        if key == name:
            found = _decode_header(key, value)
    return found


def from_record(
    value: bytes | None,
    headers: Sequence[tuple[str, bytes]] | None = None,
    *,
    registry: EventRegistry = REGISTRY,
) -> Envelope[EventPayload]:
    """Parse a record value (and check its headers) into a typed event.

    Raises a `ContractError`: `MalformedRecord`, `InvalidEnvelope`, `UnknownEventType`,
    `UnsupportedVersion`, `InvalidPayload` or `HeaderMismatch`.
    """
    body = _json_object(value)
    event_type = _required(body, "type", str)
    version = _required(body, "schema_version", int)
    payload_model = registry.resolve(event_type, version)
    try:
        event: Envelope[EventPayload] = envelope_model(payload_model).model_validate(body)
    except ValidationError as error:
        raise _contract_error(error, event_type, version) from None
    _check_headers(event, headers or ())
    return event


def _json_object(value: bytes | None) -> dict[str, Any]:
    if value is None:
        raise MalformedRecord("the record has no value (a tombstone?)")
    try:
        body = json.loads(value.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise MalformedRecord(f"the record value is not UTF-8: {error}") from None
    except json.JSONDecodeError as error:
        raise MalformedRecord(f"the record value is not JSON: {error}") from None
    if not isinstance(body, dict):
        raise MalformedRecord(f"the record value is a JSON {type(body).__name__}, not an object")
    return body


def _required(body: dict[str, Any], field: str, kind: type[T]) -> T:
    if field not in body:
        raise InvalidEnvelope(field, "missing")
    value = body[field]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise InvalidEnvelope(field, f"expected {kind.__name__}, got {value!r}")
    return value


def _contract_error(error: ValidationError, event_type: str, version: int) -> Exception:
    envelope_problems, payload_problems = [], []
    for detail in error.errors(include_url=False):
        loc = [str(part) for part in detail["loc"]]
        if _is_payload_problem(loc, detail["type"]):
            payload_problems.append((".".join(loc[1:]) or "payload", detail["msg"]))
        else:
            field = ".".join(loc) or str(detail.get("ctx", {}).get("field", "envelope"))
            envelope_problems.append((field, detail["msg"]))
    if envelope_problems:
        field, message = envelope_problems[0]
        return InvalidEnvelope(field, message)
    return InvalidPayload(event_type, version, payload_problems)


def _is_payload_problem(loc: list[str], error_type: str) -> bool:
    # A missing payload is a missing envelope field; anything wrong inside it is the payload's.
    return bool(loc) and loc[0] == "payload" and not (len(loc) == 1 and error_type == "missing")


def _same_uuid(header: str, body: str) -> bool:
    try:
        return UUID(header) == UUID(body)
    except ValueError:
        return False


def _same_time(header: str, body: str) -> bool:
    try:
        return datetime.fromisoformat(header) == datetime.fromisoformat(body)
    except ValueError:
        return False


def _check_headers(event: Envelope[Any], headers: Sequence[tuple[str, bytes]]) -> None:
    expected: dict[str, tuple[str, Callable[[str, str], bool]]] = {
        CE_ID: (str(event.id), _same_uuid),
        CE_TYPE: (event.type, str.__eq__),
        CE_SOURCE: (event.source, str.__eq__),
        CE_SPECVERSION: (SPECVERSION, str.__eq__),
        CE_TIME: (rfc3339(event.time), _same_time),
        CE_SUBJECT: (event.subject, str.__eq__),
        CE_SCHEMAVERSION: (str(event.schema_version), str.__eq__),
        CONTENT_TYPE: (JSON_CONTENT_TYPE, _is_json_media_type),
        CORRELATION_ID: (event.correlation_id, str.__eq__),
        CAUSATION_ID: (event.causation_id or "", str.__eq__),
        STUDIO_ID: (event.studio_id or "", str.__eq__),
    }
    for name, raw in headers:
        if name not in expected:
            continue
        text, (wanted, same) = _decode_header(name, raw), expected[name]
        if not same(text, wanted):
            raise HeaderMismatch(name, text, wanted)


def _is_json_media_type(header: str, _: str) -> bool:
    return header.split(";")[0].strip().lower() == JSON_CONTENT_TYPE


def _decode_header(name: str, raw: bytes | None) -> str:
    try:
        return (raw or b"").decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedRecord(f"header {name!r} is not UTF-8") from None
