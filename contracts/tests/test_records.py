"""Kafka records: round trips of every event, headers, keys, and refusals of bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from frontdesk_contracts import (
    MAX_BATCH_CLIENTS,
    MAX_EMAILS_PER_CLIENT,
    REGISTRY,
    AccountImported,
    ClientImported,
    ClientsImportedBatch,
    ContractError,
    EventPayload,
    FirstLogin,
    HeaderMismatch,
    ImportedClient,
    InvalidEnvelope,
    InvalidPayload,
    KafkaRecord,
    MalformedRecord,
    UnknownEventType,
    UnsupportedVersion,
    from_record,
    header_value,
    new_event,
    to_record,
    topic_for_event,
)

Sample = Callable[[type[EventPayload]], EventPayload]


def _record_of(payload: EventPayload, **kwargs: Any) -> KafkaRecord:
    return to_record(new_event(payload), **kwargs)


def _client_imported() -> ClientImported:
    return ClientImported(
        studio_id="studio-1",
        external_client_id="ext-1",
        given_name="Ada",
        emails=["ada@example.com"],
    )


@pytest.mark.parametrize(
    "model", list(REGISTRY), ids=lambda m: f"{m.event_type}.v{m.event_version}"
)
def test_every_event_survives_a_round_trip(model: type[EventPayload], sample: Sample) -> None:
    event = new_event(sample(model), correlation_id="req-1", causation_id="req-1")
    record = to_record(event)

    parsed = from_record(record.value, record.headers)

    assert parsed == event
    assert type(parsed.payload) is model
    assert record.topic == topic_for_event(model.event_type).name


def test_value_is_the_compact_utf8_envelope() -> None:
    payload = ClientImported(studio_id="studio-1", external_client_id="ext-1", given_name="Zoë")
    record = _record_of(payload)

    assert record.value.decode("utf-8") == json.dumps(
        json.loads(record.value), separators=(",", ":"), ensure_ascii=False
    )
    assert "Zoë".encode() in record.value
    assert json.loads(record.value)["payload"]["given_name"] == "Zoë"


def test_headers_repeat_the_envelope() -> None:
    parent = new_event(_client_imported())
    payload = AccountImported(
        account_id="acc-1", studio_id="studio-1", external_client_id="ext-1", given_name="Ada"
    )
    event = new_event(payload, cause=parent)
    traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

    headers = dict(to_record(event, traceparent=traceparent).headers)

    assert headers == {
        "ce_id": str(event.id).encode(),
        "ce_type": b"AccountImported",
        "ce_source": b"identity",
        "ce_specversion": b"1.0",
        "ce_time": event.time.isoformat(timespec="microseconds").replace("+00:00", "Z").encode(),
        "ce_subject": b"acc-1",
        "ce_schemaversion": b"1",
        "content-type": b"application/json",
        "correlation_id": parent.correlation_id.encode(),
        "causation_id": str(parent.id).encode(),
        "studio_id": b"studio-1",
        "traceparent": traceparent.encode(),
    }


def test_absent_optional_facts_leave_their_headers_out() -> None:
    names = [name for name, _ in _record_of(FirstLogin(account_id="acc-1")).headers]

    assert "causation_id" not in names
    assert "studio_id" not in names
    assert len(names) == len(set(names)) == 10


def _account_imported_fields() -> dict[str, Any]:
    return {"account_id": "acc-1", "studio_id": "s", "external_client_id": "e", "given_name": "A"}


@pytest.mark.parametrize("given", [None, "garbage", "00-" + "0" * 32 + "-" + "1" * 16 + "-01"])
def test_a_missing_or_malformed_traceparent_starts_a_new_trace(given: str | None) -> None:
    record = _record_of(_client_imported(), traceparent=given)
    traceparent = header_value(record.headers, "traceparent")

    assert traceparent is not None and traceparent != given
    version, trace_id, span_id, flags = traceparent.split("-")
    assert (version, len(trace_id), len(span_id), flags) == ("00", 32, 16, "01")


def test_identity_records_are_keyed_by_account_and_imports_by_studio() -> None:
    identity = _record_of(AccountImported.model_validate(_account_imported_fields()))
    imported = _record_of(_client_imported())

    assert (identity.topic, identity.key) == ("frontdesk.identity.v1", b"acc-1")
    assert (imported.topic, imported.key) == ("platform.client-imports.v1", b"studio-1")


def _body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(_record_of(_client_imported()).value)
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = body
        for part in parents:
            target = target[part]
        if value is _DELETE:
            del target[last]
        else:
            target[last] = value
    return body


_DELETE = object()


def _encode(body: Any) -> bytes:
    return json.dumps(body).encode()


BAD_INPUTS: list[tuple[str, bytes | None, type[ContractError], str]] = [
    ("not json", b"{not json", MalformedRecord, "not JSON"),
    ("not utf-8", b"\xff\xfe{}", MalformedRecord, "not UTF-8"),
    ("json array", b"[1, 2]", MalformedRecord, "JSON list, not an object"),
    ("json string", b'"hello"', MalformedRecord, "JSON str, not an object"),
    ("tombstone", None, MalformedRecord, "no value"),
    ("no type", _encode(_body(type=_DELETE)), InvalidEnvelope, "'type': missing"),
    ("type not text", _encode(_body(type=7)), InvalidEnvelope, "'type'"),
    ("no version", _encode(_body(schema_version=_DELETE)), InvalidEnvelope, "'schema_version'"),
    ("version as text", _encode(_body(schema_version="1")), InvalidEnvelope, "'schema_version'"),
    ("version as bool", _encode(_body(schema_version=True)), InvalidEnvelope, "'schema_version'"),
    ("unknown type", _encode(_body(type="ClientTeleported")), UnknownEventType, "ClientTeleported"),
    ("unknown version", _encode(_body(schema_version=9)), UnsupportedVersion, "version 9"),
    ("bad time", _encode(_body(time="yesterday")), InvalidEnvelope, "'time'"),
    ("naive time", _encode(_body(time="2030-01-01T00:00:00")), InvalidEnvelope, "'time'"),
    ("no id", _encode(_body(id=_DELETE)), InvalidEnvelope, "'id'"),
    (
        "uuid4 id",
        _encode(_body(id="9b2e0c4e-4a4f-4c1e-9a43-5d7d4f2b9f11")),
        InvalidEnvelope,
        "'id'",
    ),
    ("no correlation", _encode(_body(correlation_id=_DELETE)), InvalidEnvelope, "correlation_id"),
    ("bad source", _encode(_body(source="billing")), InvalidEnvelope, "'source'"),
    ("wrong source", _encode(_body(source="identity")), InvalidEnvelope, "'source'"),
    ("wrong subject", _encode(_body(subject="ext-2")), InvalidEnvelope, "'subject'"),
    ("wrong studio", _encode(_body(studio_id="studio-2")), InvalidEnvelope, "'studio_id'"),
    ("no payload", _encode(_body(payload=_DELETE)), InvalidEnvelope, "'payload'"),
    ("bad email", _encode(_body(payload__emails=["not-an-address"])), InvalidPayload, "emails.0"),
    ("no name", _encode(_body(payload__given_name=_DELETE)), InvalidPayload, "given_name"),
    ("payload list", _encode(_body(payload=[1])), InvalidPayload, "payload"),
]


@pytest.mark.parametrize(
    ("value", "error", "names"), [case[1:] for case in BAD_INPUTS], ids=[c[0] for c in BAD_INPUTS]
)
def test_bad_input_raises_the_typed_error_that_names_the_problem(
    value: bytes | None, error: type[ContractError], names: str
) -> None:
    with pytest.raises(error) as raised:
        from_record(value)

    assert names in str(raised.value)


def test_invalid_payload_names_every_offending_field() -> None:
    body = _body(payload__emails=["nope"], payload__given_name="")

    with pytest.raises(InvalidPayload) as raised:
        from_record(_encode(body))

    assert set(raised.value.fields) == {"emails.0", "given_name"}


def test_invalid_envelope_names_the_field() -> None:
    with pytest.raises(InvalidEnvelope) as raised:
        from_record(_encode(_body(time="yesterday")))

    assert raised.value.field == "time"


def test_unknown_fields_are_ignored_in_envelope_and_payload() -> None:
    body = _body(extension="x", payload__loyalty_tier="gold", payload__nested={"a": 1})

    event = from_record(_encode(body))

    assert event.payload == _client_imported()
    assert "loyalty_tier" not in event.payload.model_dump_json()


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("ce_id", b"01900000-0000-7000-8000-000000000000"),
        ("ce_id", b"not-a-uuid"),
        ("ce_type", b"AccountImported"),
        ("ce_source", b"identity"),
        ("ce_specversion", b"0.3"),
        ("ce_time", b"2001-01-01T00:00:00Z"),
        ("ce_subject", b"someone-else"),
        ("ce_schemaversion", b"2"),
        ("content-type", b"application/avro"),
        ("correlation_id", b"other"),
        ("causation_id", b"other"),
        ("studio_id", b"studio-2"),
    ],
)
def test_a_header_that_disagrees_with_the_body_is_refused(header: str, value: bytes) -> None:
    record = _record_of(_client_imported())
    headers = [(name, raw) for name, raw in record.headers if name != header] + [(header, value)]

    with pytest.raises(HeaderMismatch) as raised:
        from_record(record.value, headers)

    assert raised.value.header == header


def test_headers_that_agree_in_other_spellings_are_accepted() -> None:
    record = _record_of(_client_imported())
    event = from_record(record.value)
    other_time = event.time.isoformat()  # +00:00 rather than Z
    headers = [
        ("ce_id", str(event.id).upper().encode()),
        ("ce_time", other_time.encode()),
        ("content-type", b"application/json; charset=utf-8"),
        ("x-unrelated", b"\xff"),
    ]

    assert from_record(record.value, headers) == event


def test_missing_headers_are_tolerated() -> None:
    record = _record_of(_client_imported())

    assert from_record(record.value, []) == from_record(record.value, record.headers)


def test_a_header_that_is_not_utf8_is_malformed() -> None:
    record = _record_of(_client_imported())

    with pytest.raises(MalformedRecord, match="ce_type"):
        from_record(record.value, [("ce_type", b"\xff")])


def test_the_largest_batch_fits_in_a_default_kafka_record() -> None:
    wide = "\U0001d538"  # four bytes in UTF-8: the worst case for every length limit
    email = wide * 64 + "@" + ".".join([wide * 61] * 3) + ".de"
    clients = [
        ImportedClient(
            external_client_id=str(n).rjust(128, wide),
            given_name=wide * 100,
            family_name=wide * 100,
            emails=[email] * MAX_EMAILS_PER_CLIENT,
            phone=wide * 32,
            imported_at=datetime(2030, 1, 1, tzinfo=UTC),
        )
        for n in range(MAX_BATCH_CLIENTS)
    ]
    batch = ClientsImportedBatch(
        studio_id=wide * 128, import_id=wide * 128, batch_number=1, clients=clients
    )

    record = _record_of(batch)

    size = len(record.key) + len(record.value) + sum(len(n) + len(v) for n, v in record.headers)
    assert len(email) <= 254
    assert size < 1_000_000, f"a full batch takes {size} bytes"
    with pytest.raises(ValidationError, match="at most 100"):
        ClientsImportedBatch(
            studio_id="s", import_id="i", batch_number=1, clients=[*clients, clients[0]]
        )
