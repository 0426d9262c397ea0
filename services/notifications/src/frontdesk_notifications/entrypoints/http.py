"""The ops API: what became of each message, and the suppression list.

Every route reads or changes people's data (addresses, accounts, delivery states), so
every one needs the ops token (``Authorization: Bearer``, FRONTDESK_NOTIFICATIONS_OPS_TOKEN):
401 without it or with another, 503 while none is configured.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from pydantic import BaseModel

from .. import queries
from ..handlers import Deps

log = logging.getLogger("frontdesk.notifications.ops")


class MessageView(BaseModel):
    """One outgoing message and its delivery state; never its token or its text."""

    id: UUID
    event_id: UUID
    event_type: str
    kind: str
    template: str
    account_id: str
    studio_id: str | None
    recipient: str
    status: str
    status_reason: str | None
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None


class MessageList(BaseModel):
    messages: list[MessageView]


class SuppressionView(BaseModel):
    """An address nothing is sent to, and why."""

    address: str
    reason: str
    detail: str | None
    message_id: UUID | None
    created_at: datetime


class SuppressionList(BaseModel):
    suppressions: list[SuppressionView]


class Problem(BaseModel):
    """An RFC 9457 problem body (``application/problem+json``)."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, str]] | None = None


_PROBLEM = {"model": Problem, "content": {"application/problem+json": {}}}
PROBLEM_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {**_PROBLEM, "description": "No filter given"},
    401: {**_PROBLEM, "description": "No ops token, or not the configured one"},
    404: {**_PROBLEM, "description": "Not found"},
    422: {**_PROBLEM, "description": "Invalid request"},
    503: {**_PROBLEM, "description": "The ops API is disabled: no ops token configured"},
}


def _deps(request: Request) -> Deps:
    deps: Deps = request.app.state.deps
    return deps


def ops_router(guard: Callable[..., Any]) -> APIRouter:
    """Routes under /messages and /suppressions, each behind `guard` (the ops token)."""
    router = APIRouter(
        tags=["operations"], responses=PROBLEM_RESPONSES, dependencies=[Depends(guard)]
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
        return MessageList(messages=[MessageView.model_validate(m) for m in found])

    @router.get("/messages/{message_id}", response_model=MessageView)
    async def message(request: Request, message_id: UUID) -> MessageView:
        """One message by its id."""
        found = await queries.get_message(_deps(request), message_id)
        if found is None:
            raise HTTPException(404, f"no message {message_id}")
        return MessageView.model_validate(found)

    @router.get("/suppressions", response_model=SuppressionList)
    async def suppressions(
        request: Request,
        address: Annotated[str | None, Query(max_length=254)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> SuppressionList:
        """Suppressed addresses, newest first; `address` looks one up."""
        found = await queries.list_suppressions(_deps(request), address, limit)
        return SuppressionList(suppressions=[SuppressionView.model_validate(s) for s in found])

    @router.delete("/suppressions/{address}", status_code=204)
    async def lift(
        request: Request, address: Annotated[str, Path(min_length=1, max_length=254)]
    ) -> Response:
        """Send to `address` again (e.g. after the recipient fixed their mailbox)."""
        if not await queries.lift_suppression(_deps(request), address):
            raise HTTPException(404, f"{address} is not suppressed")
        log.warning("suppression lifted", extra={"address": address})
        return Response(status_code=204)

    return router
