"""The admin API, called by the upstream gateway with its signed assertion."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from frontdesk_contracts import EmailAddress, Identifier, PersonName
from frontdesk_kit.gateway import AdminCaller

from ..domain.commands import CreateClient, ResendWelcome
from ..service_layer import admin
from ..service_layer.admin import AccessView
from .problems import PROBLEM_RESPONSES
from .web import DepsDep

router = APIRouter(
    prefix="/v1/admin/studios/{studio_id}/clients", tags=["admin"], responses=PROBLEM_RESPONSES
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateClientRequest(Strict):
    email: EmailAddress
    given_name: PersonName
    family_name: PersonName | None = None
    external_client_id: Identifier | None = None


class Created(BaseModel):
    account_id: str


class ResendWelcomeRequest(Strict):
    email: EmailAddress


class Accepted(BaseModel):
    status: str = "accepted"


@router.post("", status_code=201)
async def create_client(
    studio_id: Identifier, body: CreateClientRequest, caller: AdminCaller, deps: DepsDep
) -> Created:
    """Create a client in the studio; the create-your-login email goes out at once."""
    cmd = CreateClient(
        studio_id, body.email, body.given_name, body.family_name, body.external_client_id
    )
    return Created(account_id=await admin.create_client(deps, caller, cmd))


@router.get("/{account_id}/access")
async def access(
    studio_id: Identifier, account_id: Identifier, caller: AdminCaller, deps: DepsDep
) -> AccessView:
    """The client's addresses, logins, whether a welcome resend is allowed, last emails."""
    return await admin.access_view(deps, caller, studio_id, account_id)


@router.post("/{account_id}/welcome-email", status_code=202)
async def resend_welcome(
    studio_id: Identifier,
    account_id: Identifier,
    body: ResendWelcomeRequest,
    caller: AdminCaller,
    deps: DepsDep,
) -> Accepted:
    """Resend the welcome to a client who never logged in (else 409): the create-login
    link while there is no login, else a "your login is ready" email with no link that
    sets credentials. 429 when the studio's email quota is spent."""
    await admin.resend_welcome(deps, caller, ResendWelcome(studio_id, account_id, body.email))
    return Accepted()


@router.post("/{account_id}/password-reset", status_code=202)
async def send_password_reset(
    studio_id: Identifier, account_id: Identifier, caller: AdminCaller, deps: DepsDep
) -> Accepted:
    """Send the client a password reset email."""
    await admin.send_password_reset(deps, caller, studio_id, account_id)
    return Accepted()
