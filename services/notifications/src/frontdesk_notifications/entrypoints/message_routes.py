"""The ops API of the message log: what became of each message, and the suppression list.

Every route reads or changes people's data (addresses, accounts, delivery states), so
every one needs the ops token (``Authorization: Bearer``, FRONTDESK_NOTIFICATIONS_OPS_TOKEN):
401 without it or with another, 503 while none is configured.
"""

from __future__ import annotations

import logging
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from pydantic import BaseModel

from frontdesk_kit.ops import require_ops_token
from frontdesk_kit.problems import problem_responses

from ..domain.records import MessageRecord, SuppressedAddress
from ..service_layer import queries
from ..service_layer.deps import Deps

log = logging.getLogger("frontdesk.notifications.ops")


class MessageList(BaseModel):
    messages: list[MessageRecord]


class SuppressionList(BaseModel):
    suppressions: list[SuppressedAddress]


_WHEN = {
    400: "No filter given",
    401: "No ops token, or not the configured one",
    404: "Not found",
    422: "Invalid request",
    503: "The ops API is disabled: no ops token configured",
}
PROBLEM_RESPONSES = {
    status: {**entry, "description": _WHEN[int(status)]}
    for status, entry in problem_responses(*_WHEN).items()
}


def _deps(request: Request) -> Deps:
    deps: Deps = request.app.state.deps
    return deps


# Routes under /messages and /suppressions, each behind the ops token.
router = APIRouter(
    tags=["operations"],
    responses=PROBLEM_RESPONSES,
    dependencies=[Depends(require_ops_token)],
)


@router.get("/messages", response_model=MessageList)
async def messages(
    request: Request,
    recipient: Annotated[str | None, Query(max_length=254)] = None,
    account_id: Annotated[str | None, Query(max_length=128)] = None,
    event_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> MessageList:
    """Messages by recipient, account or causing event (at least one filter)."""
    if recipient is None and account_id is None and event_id is None:
        raise HTTPException(400, "give recipient, account_id or event_id")
    found = await queries.find_messages(
        _deps(request),
        recipient=recipient,
        account_id=account_id,
        event_id=event_id,
        limit=limit,
    )
    return MessageList(messages=found)


@router.get("/messages/{message_id}", response_model=MessageRecord)
async def message(request: Request, message_id: UUID) -> MessageRecord:
    """One message by its id."""
    found = await queries.get_message(_deps(request), message_id)
    if found is None:
        raise HTTPException(404, f"no message {message_id}")
    return found


@router.get("/suppressions", response_model=SuppressionList)
async def suppressions(
    request: Request,
    address: Annotated[str | None, Query(max_length=254)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> SuppressionList:
    """Suppressed addresses, newest first; `address` looks one up."""
    found = await queries.list_suppressions(_deps(request), address, limit)
    return SuppressionList(suppressions=found)


@router.delete("/suppressions/{address}", status_code=204)
async def lift(
    request: Request, address: Annotated[str, Path(min_length=1, max_length=254)]
) -> Response:
    """Send to `address` again (e.g. after the recipient fixed their mailbox)."""
    if not await queries.lift_suppression(_deps(request), address):
        raise HTTPException(404, f"{address} is not suppressed")
    log.warning("suppression lifted", extra={"address": address})
    return Response(status_code=204)
