"""Dead letters: the original record, unchanged, plus why and where it failed."""

from __future__ import annotations

from datetime import UTC, datetime

from frontdesk_contracts import (
    ClientImported,
    InvalidPayload,
    KafkaRecord,
    dead_letter_record,
    header_value,
    new_event,
    to_record,
)


def _original() -> KafkaRecord:
    payload = ClientImported(studio_id="studio-1", external_client_id="ext-1", given_name="Ada")
    return to_record(new_event(payload))


def test_a_dead_letter_keeps_the_original_and_says_why() -> None:
    original = _original()
    headers = [*original.headers, ("dlq_reason", b"an earlier failure")]

    letter = dead_letter_record(
        group_id="frontdesk-identity",
        topic=original.topic,
        partition=3,
        offset=42,
        key=original.key,
        value=original.value,
        headers=headers,
        error=InvalidPayload("ClientImported", 1, [("emails.0", "not an address")]),
        attempts=5,
    )

    assert (letter.topic, letter.key, letter.value) == (
        "frontdesk-identity.dlq",
        original.key,
        original.value,
    )
    assert letter.headers[: len(original.headers)] == original.headers
    assert header_value(letter.headers, "dlq_reason") == (
        "invalid payload of ClientImported v1: emails.0: not an address"
    )
    assert [value for name, value in letter.headers if name == "dlq_reason"] == [
        b"invalid payload of ClientImported v1: emails.0: not an address"
    ]
    assert header_value(letter.headers, "dlq_error_type") == "InvalidPayload"
    assert header_value(letter.headers, "dlq_original_offset") == "42"
    assert header_value(letter.headers, "dlq_attempts") == "5"


def test_a_reason_given_as_text_has_no_error_type() -> None:
    original = _original()

    letter = dead_letter_record(
        group_id="frontdesk-notifications",
        topic=original.topic,
        partition=0,
        offset=7,
        key=None,
        value=None,
        headers=None,
        error="template missing",
        attempts=1,
        failed_at=datetime(2030, 1, 1, tzinfo=UTC),
    )

    assert (letter.key, letter.value, letter.topic) == (b"", b"", "frontdesk-notifications.dlq")
    assert header_value(letter.headers, "dlq_reason") == "template missing"
    assert header_value(letter.headers, "dlq_error_type") is None
    assert header_value(letter.headers, "dlq_failed_at") == "2030-01-01T00:00:00.000000Z"
