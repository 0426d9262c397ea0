"""The ops API every service shares: republish outbox history for a consumer that lost data.

Every route needs ``Authorization: Bearer <ops token>`` (each service's OPS_TOKEN
setting); without a configured token the routes answer 503 and do nothing. Every
action is logged with the operator and the reason given. A service adds routes of its
own (notifications: resend) behind the same `require_ops_token`, taking an `Actor`.
"""

from __future__ import annotations

import logging
import secrets
from typing import Annotated, Self

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AwareDatetime, BaseModel, Field, SecretStr, model_validator

from .republish import OutboxHistory

log = logging.getLogger("frontdesk.ops")


class Actor(BaseModel):
    """Who asks, and why: recorded with the action."""

    operator: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=1000)


class RepublishRequest(Actor):
    """Which published events to emit again: one account's, or a time range's (or both)."""

    account_id: str | None = Field(default=None, min_length=1, max_length=200)
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None
    dry_run: bool = False

    @model_validator(mode="after")
    def _chosen(self) -> Self:
        if self.account_id is None and self.since is None and self.until is None:
            raise ValueError("give account_id, or since/until, or both")
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise ValueError("since must be before until")
        return self


class RepublishResult(BaseModel):
    """How many events were (or, in a dry run, would be) published again."""

    events: int
    dry_run: bool


# The OpenAPI document names it: routes behind `require_ops_token` declare this scheme.
OPS_TOKEN_SCHEME = HTTPBearer(
    scheme_name="opsToken",
    description="the service's ops token (its OPS_TOKEN setting), for operators and the "
    "platform only",
    auto_error=False,
)


async def require_ops_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(OPS_TOKEN_SCHEME)],
) -> None:
    """Admit only the running service's ops token (its `ops_token` setting, read from
    ``request.app.state.running.settings``): 401 without it or with another, 503 while
    none is configured."""
    settings = getattr(getattr(request.app.state, "running", None), "settings", None)
    token: SecretStr | None = getattr(settings, "ops_token", None)
    if token is None:
        name = settings.variable("ops_token") if settings else "the OPS_TOKEN setting"
        raise HTTPException(503, f"the ops API is disabled: set {name}")
    given = (credentials.credentials if credentials else "").encode()
    if not secrets.compare_digest(given, token.get_secret_value().encode()):
        raise HTTPException(
            401, "a valid ops bearer token is required", {"WWW-Authenticate": "Bearer"}
        )


# ``POST /ops/republish`` behind the ops token; not in the public OpenAPI document:
# operators' tool, not a client API.
router = APIRouter(prefix="/ops", tags=["ops"], dependencies=[Depends(require_ops_token)])


@router.post("/republish", include_in_schema=False)
async def republish(body: RepublishRequest, request: Request) -> RepublishResult:
    """Put published outbox rows back for the relay to publish again."""
    history = OutboxHistory(request.app.state.running.pool)
    if body.dry_run:
        count = await history.count(body.account_id, body.since, body.until)
    else:
        count = await history.requeue(body.account_id, body.since, body.until)
    log.info(
        "ops republish",
        extra={
            "operator": body.operator,
            "reason": body.reason,
            "account_id": body.account_id,
            "since": body.since,
            "until": body.until,
            "events": count,
            "dry_run": body.dry_run,
        },
    )
    return RepublishResult(events=count, dry_run=body.dry_run)
