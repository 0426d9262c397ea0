"""Small helpers for the notifications tests: events on the notifications topic."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from frontdesk_contracts import topic_for_source


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


async def wait_message(
    service: Any, event_id: object, done: Callable[[dict[str, Any]], bool], timeout: float = 20
) -> dict[str, Any]:
    """The (single) message of `event_id` once `done(message)` holds, via the ops API."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        answer = await service.http.get("/messages", params={"event_id": str(event_id)})
        found = answer.json()["messages"]
        if found and done(found[0]):
            return dict(found[0])
        if loop.time() > deadline:
            raise AssertionError(f"message of {event_id} never got there: {found}")
        await asyncio.sleep(0.1)
