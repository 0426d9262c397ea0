"""Dead letters: how a consumer group sets aside a record it cannot handle.

The record goes, unchanged, to the group's dead-letter topic (`dead_letter_topic`) with
``dlq_*`` headers saying where it came from and why; the consumer moves on. Redriving
means publishing it back to its original topic.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from frontdesk_contracts.catalogue import dead_letter_topic
from frontdesk_contracts.headers import (
    DLQ_ATTEMPTS,
    DLQ_CONSUMER_GROUP,
    DLQ_ERROR_TYPE,
    DLQ_FAILED_AT,
    DLQ_ORIGINAL_OFFSET,
    DLQ_ORIGINAL_PARTITION,
    DLQ_ORIGINAL_TOPIC,
    DLQ_REASON,
)
from frontdesk_contracts.records import KafkaRecord, rfc3339

REASON_LIMIT = 1000
"""Longest reason kept in the ``dlq_reason`` header, in characters."""


def dead_letter_record(
    *,
    group_id: str,
    topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
    value: bytes | None,
    headers: Sequence[tuple[str, bytes]] | None,
    error: BaseException | str,
    attempts: int,
    failed_at: datetime | None = None,
) -> KafkaRecord:
    """The record that sends an unhandled record to `group_id`'s dead-letter topic.

    Key, value and headers stay those of the original (earlier ``dlq_*`` headers are
    replaced), so redriving it means publishing it back unchanged. A missing key or
    value becomes empty bytes. `dlq_error_type` is set when `error` is an exception.
    """
    reason = str(error) or type(error).__name__
    facts = [
        (DLQ_REASON, reason[:REASON_LIMIT]),
        (DLQ_ERROR_TYPE, None if isinstance(error, str) else type(error).__name__),
        (DLQ_CONSUMER_GROUP, group_id),
        (DLQ_ORIGINAL_TOPIC, topic),
        (DLQ_ORIGINAL_PARTITION, str(partition)),
        (DLQ_ORIGINAL_OFFSET, str(offset)),
        (DLQ_FAILED_AT, rfc3339(failed_at or datetime.now(UTC))),
        (DLQ_ATTEMPTS, str(attempts)),
    ]
    kept = [(name, raw) for name, raw in headers or () if not name.startswith("dlq_")]
    return KafkaRecord(
        topic=dead_letter_topic(group_id),
        key=key or b"",
        headers=kept + [(name, text.encode("utf-8")) for name, text in facts if text is not None],
        value=value or b"",
    )
