"""The ops API of notifications: resend one email (republishing outbox history is the
kit's route, `frontdesk_kit.ops`, which the runtime includes beside it).

Every route needs ``Authorization: Bearer <ops token>`` (setting FRONTDESK_NOTIFICATIONS_OPS_TOKEN);
without a configured token the routes answer 503 and do nothing. Every action is logged
with the operator and the reason given. An unknown message answers 404, one that cannot
be resent 409 (`problems.REFUSALS`).
"""

from __future__ import annotations

import logging
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from frontdesk_kit.ops import Actor, require_ops_token

from ..service_layer.resending import resend

log = logging.getLogger("frontdesk.notifications.ops")


class ResendResult(BaseModel):
    """The new message a resend queued."""

    message_id: UUID
    original_id: UUID
    status: str = "queued"


# ``POST /ops/messages/{id}/resend`` behind the ops token.
router = APIRouter(prefix="/ops", tags=["ops"], dependencies=[Depends(require_ops_token)])


@router.post("/messages/{message_id}/resend", status_code=201, include_in_schema=False)
async def resend_message(message_id: UUID, body: Actor, request: Request) -> ResendResult:
    resent = await resend(request.app.state.deps, message_id, body.operator, body.reason)
    log.info(
        "ops resend",
        extra={
            "operator": body.operator,
            "reason": body.reason,
            "original_id": str(message_id),
            "new_message_id": str(resent.message_id),
        },
    )
    return ResendResult(message_id=resent.message_id, original_id=message_id)
