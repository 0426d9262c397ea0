"""The app-facing JSON API: sign up, verify, log in, refresh, log out, forgot password."""

from __future__ import annotations

from typing import Annotated, Any, Self

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from frontdesk_contracts import EmailAddress, PersonName

from ..domain.accounts import USERNAME_PATTERN, USERNAME_RULES
from ..domain.commands import LogIn, RequestPasswordReset, SignUp, VerifyEmail
from ..service_layer.links import request_password_reset
from ..service_layer.sessions import TokenPair, authenticate, log_in, log_out, refresh_session
from ..service_layer.signup import sign_up, verify_email
from .problems import PROBLEM_RESPONSES
from .web import DepsDep, bearer, client_ip

router = APIRouter(prefix="/v1", tags=["app"], responses=PROBLEM_RESPONSES)
# Long enough for any password the policy accepts; the policy says the real rule.
Password = Annotated[str, Field(min_length=1, max_length=1024)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignUpRequest(Strict):
    email: EmailAddress
    username: Annotated[str, Field(pattern=USERNAME_PATTERN, description=USERNAME_RULES)]
    password: Password
    given_name: PersonName
    family_name: PersonName | None = None


class Accepted(BaseModel):
    status: str = "accepted"
    detail: str


class VerifyRequest(Strict):
    """Either the link's token, or the address with the short code."""

    token: Annotated[str | None, Field(min_length=16, max_length=200)] = None
    email: EmailAddress | None = None
    code: Annotated[str | None, Field(pattern=r"^\d{6}$")] = None

    @model_validator(mode="after")
    def _token_or_code(self) -> Self:
        if (self.token is None) == (self.email is None or self.code is None):
            raise ValueError("send either token, or email and code")
        return self


class LoginRequest(Strict):
    login: Annotated[str, Field(min_length=1, max_length=254)]
    password: Password


class RefreshRequest(Strict):
    refresh_token: Annotated[str, Field(min_length=16, max_length=200)]


class ResetRequest(Strict):
    login: Annotated[str, Field(min_length=1, max_length=254)]


class Tokens(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "Bearer"  # noqa: S105 - the scheme name
    expires_in: int

    @classmethod
    def of(cls, pair: TokenPair) -> Tokens:
        return cls(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            expires_in=pair.expires_in,
        )


_CHECK_EMAIL = "If the address can be used, we sent it a code and a link."
_RESET_SENT = "If an account matches, we sent it a password reset link."


@router.post("/signup", status_code=202)
async def signup(body: SignUpRequest, request: Request, deps: DepsDep) -> Accepted:
    """Sign up; the same answer whether or not the address is known."""
    cmd = SignUp(
        body.email,
        body.username,
        body.password,
        body.given_name,
        body.family_name,
        client_ip(request),
    )
    await sign_up(deps, cmd)
    return Accepted(detail=_CHECK_EMAIL)


@router.post("/signup/verify")
async def verify(body: VerifyRequest, deps: DepsDep) -> Tokens:
    """Prove the address with the link's token or the code; signs the person in."""
    return Tokens.of(await verify_email(deps, VerifyEmail(body.token, body.email, body.code)))


@router.post("/sessions")
async def login(body: LoginRequest, request: Request, deps: DepsDep) -> Tokens:
    """Log in with a username or an email address and the password."""
    return Tokens.of(await log_in(deps, LogIn(body.login, body.password, client_ip(request))))


@router.post("/sessions/refresh")
async def refresh(body: RefreshRequest, deps: DepsDep) -> Tokens:
    """Swap a refresh token (once) for new tokens."""
    return Tokens.of(await refresh_session(deps, body.refresh_token))


@router.delete("/sessions/current", status_code=204)
async def logout(token: Annotated[str, Depends(bearer)], deps: DepsDep) -> Response:
    """End the session of the access token."""
    await log_out(deps, await authenticate(deps, token))
    return Response(status_code=204)


@router.get("/me")
async def me(token: Annotated[str, Depends(bearer)], deps: DepsDep) -> dict[str, str]:
    """Who the access token belongs to (refused once its session ended)."""
    claims = await authenticate(deps, token)
    return {"account_id": claims.sub, "session_id": claims.sid}


@router.post("/password-resets", status_code=202)
async def forgot_password(body: ResetRequest, request: Request, deps: DepsDep) -> Accepted:
    """Forgot password, by address or username: same answer, same time, for anyone."""
    await request_password_reset(deps, RequestPasswordReset(body.login, client_ip(request)))
    return Accepted(detail=_RESET_SENT)


keys_router = APIRouter(tags=["keys"])


@keys_router.get("/.well-known/jwks.json")
async def jwks(deps: DepsDep) -> dict[str, Any]:
    """The public keys that verify identity's access tokens."""
    return deps.access.jwks()
