"""The ops API of notifications: resend one email (republishing outbox history is the
kit's route, `frontdesk_kit.ops`).

Every route needs ``Authorization: Bearer <ops token>`` (setting FRONTDESK_NOTIFICATIONS_OPS_TOKEN);
without a configured token the routes answer 503 and do nothing. Every action is logged
with the operator and the reason given.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, SecretStr

from frontdesk_kit.ops import Actor, token_guard

from ..adapters.resends import Resends
from ..resending import ResendRefused, UnknownMessage, resend

log = logging.getLogger("frontdesk.notifications.ops")
OPS_SETTING_NAME = "FRONTDESK_NOTIFICATIONS_OPS_TOKEN"
TokenOf = Callable[[Request], SecretStr | None]
PoolOf = Callable[[Request], asyncpg.Pool]


class ResendResult(BaseModel):
    """The new message a resend queued."""

    message_id: UUID
    original_id: UUID
    status: str = "queued"


def resend_router(token_of: TokenOf, pool_of: PoolOf) -> APIRouter:
    """``POST /ops/messages/{id}/resend`` behind the ops token (the kit's republish
    route is included beside it by bootstrap)."""
    guard = Depends(token_guard(token_of, OPS_SETTING_NAME))
    router = APIRouter(prefix="/ops", tags=["ops"], dependencies=[guard])

    @router.post("/messages/{message_id}/resend", status_code=201, include_in_schema=False)
    async def resend_message(message_id: UUID, body: Actor, request: Request) -> ResendResult:
        try:
            resent = await resend(
                pool_of(request), Resends(), message_id, body.operator, body.reason
            )
        except UnknownMessage as error:
            raise HTTPException(404, str(error)) from None
        except ResendRefused as error:
            raise HTTPException(409, str(error)) from None
        request.app.state.deps.wake_sender()
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

    return router
