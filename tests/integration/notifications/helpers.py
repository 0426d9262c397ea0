"""Small helpers for the notifications tests: events on the notifications topic."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from frontdesk_contracts import topic_for_source
from frontdesk_testing import eventually


def notification_events(records: list[Any], cause_event_id: object) -> list[dict[str, Any]]:
    """The notifications events caused by one event, in order: type plus payload."""
    found = []
    for record in records:
        body = json.loads(record.value)
        if body["payload"]["cause_event_id"] == str(cause_event_id):
            found.append({"type": body["type"], **body["payload"]})
    return found


def notifications_topic(prefix: str) -> str:
    return prefix + topic_for_source("notifications").name


def identity_topic(prefix: str) -> str:
    return prefix + topic_for_source("identity").name


async def messages_of(service: Any, event_id: object) -> list[dict[str, Any]]:
    """The messages of `event_id`, as the ops API lists them."""
    answer = await service.http.get("/messages", params={"event_id": str(event_id)})
    return list(answer.json()["messages"])


async def wait_message(
    service: Any, event_id: object, done: Callable[[dict[str, Any]], bool], timeout: float = 20
) -> dict[str, Any]:
    """The (single) message of `event_id` once `done(message)` holds, via the ops API."""

    async def got_there() -> dict[str, Any]:
        found = await messages_of(service, event_id)
        assert found and done(found[0]), f"message of {event_id} never got there: {found}"
        return dict(found[0])

    return await eventually(got_there, timeout=timeout, interval=0.1)


async def wait_status(
    service: Any, event_id: object, *statuses: str, timeout: float = 20
) -> list[dict[str, Any]]:
    """The messages of `event_id` once their statuses are exactly `statuses` (any order)."""

    async def reached() -> list[dict[str, Any]]:
        found = await messages_of(service, event_id)
        assert sorted(m["status"] for m in found) == sorted(statuses), found
        return found

    return await eventually(reached, timeout=timeout, interval=0.1)
