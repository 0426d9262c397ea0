"""The admin API, called by the upstream gateway with its signed assertion."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict

from frontdesk_contracts import EmailAddress, Identifier, PersonName

from .. import admin_handlers as admin_uc
from ..adapters.crypto import AdminAssertion
from ..admin_handlers import AccessView, audit_refusal
from ..deps import Deps
from ..domain.commands import CreateClient, ResendWelcome
from ..domain.errors import IdentityError
from .problems import PROBLEM_RESPONSES
from .web import admin_assertion, get_deps

router = APIRouter(
    prefix="/v1/admin/studios/{studio_id}/clients", tags=["admin"], responses=PROBLEM_RESPONSES
)
DepsDep = Annotated[Deps, Depends(get_deps)]
Admin = Annotated[AdminAssertion, Depends(admin_assertion)]
T = TypeVar("T")


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


class EmailStateOut(BaseModel):
    message_id: str
    kind: str
    recipient: str
    state: str
    detail: str | None
    at: datetime


class EmailQuotaOut(BaseModel):
    remaining: int
    resets_at: datetime | None


class AccessViewOut(BaseModel):
    account_id: str
    studio_id: str
    merged_into: str | None
    emails: list[str]
    has_login: bool
    ever_logged_in: bool
    last_login_at: datetime | None
    resend_welcome_allowed: bool
    resend_sends: Literal["create_login", "login_ready"] | None
    email_quota: EmailQuotaOut
    last_emails: list[EmailStateOut]

    @classmethod
    def of(cls, view: AccessView) -> AccessViewOut:
        return cls(
            account_id=view.account_id,
            studio_id=view.studio_id,
            merged_into=view.merged_into,
            emails=view.emails,
            has_login=view.has_login,
            ever_logged_in=view.ever_logged_in,
            last_login_at=view.last_login_at,
            resend_welcome_allowed=view.may_resend_welcome,
            resend_sends=view.resend_sends,
            email_quota=EmailQuotaOut(**vars(view.email_quota)),
            last_emails=[EmailStateOut(**vars(e)) for e in view.last_emails],
        )


async def _audited(
    deps: Deps,
    admin: AdminAssertion,
    action: str,
    studio_id: str,
    account_id: str | None,
    work: Awaitable[T],
) -> T:
    try:
        return await work
    except IdentityError as error:
        await audit_refusal(deps, admin, action, studio_id, account_id, error)
        raise


@router.post("", status_code=201)
async def create_client(
    studio_id: Identifier, body: CreateClientRequest, admin: Admin, deps: DepsDep
) -> Created:
    """Create a client in the studio; the create-your-login email goes out at once."""
    cmd = CreateClient(
        studio_id, body.email, body.given_name, body.family_name, body.external_client_id
    )
    work = admin_uc.create_client(deps, admin, cmd)
    return Created(account_id=await _audited(deps, admin, "create_client", studio_id, None, work))


@router.get("/{account_id}/access")
async def access(
    studio_id: Identifier, account_id: Identifier, admin: Admin, deps: DepsDep
) -> AccessViewOut:
    """The client's addresses, logins, whether a welcome resend is allowed, last emails."""
    work = admin_uc.access_view(deps, admin, studio_id, account_id)
    return AccessViewOut.of(await _audited(deps, admin, "access_view", studio_id, account_id, work))


@router.post("/{account_id}/welcome-email", status_code=202)
async def resend_welcome(
    studio_id: Identifier,
    account_id: Identifier,
    body: ResendWelcomeRequest,
    admin: Admin,
    deps: DepsDep,
) -> Accepted:
    """Resend the welcome to a client who never logged in (else 409): the create-login
    link while there is no login, else a "your login is ready" email with no link that
    sets credentials. 429 when the studio's email quota is spent."""
    work = admin_uc.resend_welcome(deps, admin, ResendWelcome(studio_id, account_id, body.email))
    await _audited(deps, admin, "resend_welcome", studio_id, account_id, work)
    return Accepted()


@router.post("/{account_id}/password-reset", status_code=202)
async def send_password_reset(
    studio_id: Identifier, account_id: Identifier, admin: Admin, deps: DepsDep
) -> Accepted:
    """Send the client a password reset email."""
    work = admin_uc.send_password_reset(deps, admin, studio_id, account_id)
    await _audited(deps, admin, "password_reset", studio_id, account_id, work)
    return Accepted()
