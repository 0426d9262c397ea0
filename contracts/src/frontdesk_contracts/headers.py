"""Kafka header names, in the CloudEvents Kafka binding style, and their schemas.

Every header value is UTF-8 text. The event headers repeat the envelope (the body stays
authoritative); the dead-letter headers are added when a consumer group gives up on a
record and copies it to its dead-letter topic.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from frontdesk_contracts.events.base import SOURCES

CE_ID = "ce_id"
CE_TYPE = "ce_type"
CE_SOURCE = "ce_source"
CE_SPECVERSION = "ce_specversion"
CE_TIME = "ce_time"
CE_SUBJECT = "ce_subject"
CE_SCHEMAVERSION = "ce_schemaversion"
CONTENT_TYPE = "content-type"
CORRELATION_ID = "correlation_id"
CAUSATION_ID = "causation_id"
STUDIO_ID = "studio_id"
TRACEPARENT = "traceparent"

SPECVERSION = "1.0"
JSON_CONTENT_TYPE = "application/json"

DLQ_REASON = "dlq_reason"
DLQ_ERROR_TYPE = "dlq_error_type"
DLQ_CONSUMER_GROUP = "dlq_consumer_group"
DLQ_ORIGINAL_TOPIC = "dlq_original_topic"
DLQ_ORIGINAL_PARTITION = "dlq_original_partition"
DLQ_ORIGINAL_OFFSET = "dlq_original_offset"
DLQ_FAILED_AT = "dlq_failed_at"
DLQ_ATTEMPTS = "dlq_attempts"

TRACEPARENT_PATTERN = r"^[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$"
_TRACEPARENT = re.compile(TRACEPARENT_PATTERN)


def new_traceparent() -> str:
    """A W3C traceparent that starts a new, sampled trace."""
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


def is_traceparent(value: str) -> bool:
    """True when `value` is a well-formed W3C traceparent."""
    return _TRACEPARENT.fullmatch(value) is not None


def _text(description: str, **constraints: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **constraints}


def header_schema() -> dict[str, Any]:
    """JSON Schema of an event record's headers (names to UTF-8 text values)."""
    properties = {
        CE_ID: _text("The envelope id (UUIDv7).", format="uuid"),
        CE_TYPE: _text("The envelope type, e.g. ClientImported."),
        CE_SOURCE: _text("The envelope source.", enum=list(SOURCES)),
        CE_SPECVERSION: _text("CloudEvents spec version.", const=SPECVERSION),
        CE_TIME: _text("The envelope time, RFC 3339.", format="date-time"),
        CE_SUBJECT: _text("The envelope subject."),
        CE_SCHEMAVERSION: _text(
            "The envelope schema_version, in decimal.", pattern="^[1-9][0-9]*$"
        ),
        CONTENT_TYPE: _text("Media type of the value.", const=JSON_CONTENT_TYPE),
        CORRELATION_ID: _text("The envelope correlation_id."),
        CAUSATION_ID: _text("The envelope causation_id; absent when it is null."),
        STUDIO_ID: _text("The envelope studio_id; absent when it is null."),
        TRACEPARENT: _text("W3C Trace Context.", pattern=TRACEPARENT_PATTERN),
    }
    required = [
        CE_ID,
        CE_TYPE,
        CE_SOURCE,
        CE_SPECVERSION,
        CE_TIME,
        CE_SUBJECT,
        CE_SCHEMAVERSION,
        CONTENT_TYPE,
        CORRELATION_ID,
        TRACEPARENT,
    ]
    return {
        "type": "object",
        "description": "Record headers; values are UTF-8. A consumer checks the ones present "
        "against the body and refuses a record where they disagree.",
        "properties": properties,
        "required": required,
    }


def dead_letter_header_schema() -> dict[str, Any]:
    """JSON Schema of the headers a dead letter carries on top of the original ones."""
    properties = {
        DLQ_REASON: _text("Why the record was given up on (the error message)."),
        DLQ_ERROR_TYPE: _text("The error's class, e.g. InvalidPayload."),
        DLQ_CONSUMER_GROUP: _text("The consumer group that gave up."),
        DLQ_ORIGINAL_TOPIC: _text("Topic of the original record."),
        DLQ_ORIGINAL_PARTITION: _text("Partition of the original record.", pattern="^[0-9]+$"),
        DLQ_ORIGINAL_OFFSET: _text("Offset of the original record.", pattern="^[0-9]+$"),
        DLQ_FAILED_AT: _text("When it was given up on, RFC 3339.", format="date-time"),
        DLQ_ATTEMPTS: _text("How many times handling was tried.", pattern="^[0-9]+$"),
    }
    return {
        "type": "object",
        "description": "The original record's headers, plus these.",
        "properties": properties,
        "required": sorted(set(properties) - {DLQ_ERROR_TYPE}),
    }
