"""The pages an email's link opens. Opening shows a form; submitting spends the token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from ..deps import Deps
from ..domain.commands import (
    CompleteReset,
    CreateLogin,
    LogIn,
    RequestPasswordReset,
    VerifyEmail,
)
from ..domain.errors import IdentityError, LinkNotUsable
from ..domain.tokens import RENEWABLE, LinkState, Purpose
from ..handlers import (
    complete_reset,
    create_login,
    log_in,
    request_create_login_again,
    request_password_reset,
)
from ..links import link_state
from ..signup import resend_verification, verify_email
from .pages import CURRENT_PASSWORD, LOGIN, PASSWORD, USERNAME, page
from .pages import Form as HtmlForm
from .web import client_ip, get_deps

router = APIRouter(prefix="/links", tags=["link pages"], include_in_schema=True)
Token = Annotated[str, Form(min_length=16, max_length=200)]

_WHY = {
    LinkState.EXPIRED: "This link has expired.",
    LinkState.USED: "This link has already been used.",
    LinkState.SUPERSEDED: "A newer link was sent; this one no longer works.",
    LinkState.REVOKED: "This link no longer works.",
    LinkState.UNKNOWN: "This link is not valid.",
}


def _dead(purpose: Purpose, state: str, token: str) -> HTMLResponse:
    link = LinkState(state)
    why = _WHY[link]
    # A used link made a login; a revoked create-login link was merged into a login (or
    # its password was set): either way a reset link is the way in, not a new one.
    revoked_login_link = purpose == "create_login" and link is LinkState.REVOKED
    login_exists = link is LinkState.USED or revoked_login_link
    if purpose == "password_reset" or login_exists:
        form = HtmlForm("/links/reset-password/new", "Send me a new reset link", [LOGIN])
        return page("Link no longer works", why + " We can send you a new one.", form, status=410)
    if purpose == "email_verification":
        form = HtmlForm("/links/verify-email/new", "Send me a new link", hidden={"token": token})
        return page("Link no longer works", why + " We can send you a new one.", form, status=410)
    if link in RENEWABLE:
        form = HtmlForm("/links/create-login/new", "Send me a new link", hidden={"token": token})
        return page("Link no longer works", why + " We can send you a new one.", form, status=410)
    return page(
        "Link no longer works",
        why + " Ask your studio to send you a new welcome email.",
        status=410,
    )


@router.get("/reset-password", response_class=HTMLResponse)
async def reset_form(token: str, deps: Annotated[Deps, Depends(get_deps)]) -> HTMLResponse:
    """The reset page: a form to choose a new password (the token is not spent)."""
    state = await link_state(deps, token, "password_reset")
    if state is not LinkState.VALID:
        return _dead("password_reset", state.value, token)
    form = HtmlForm("/links/reset-password", "Set new password", [PASSWORD], {"token": token})
    return page("Choose a new password", "", form)


@router.post("/reset-password", response_class=HTMLResponse)
async def reset_submit(
    token: Token,
    password: Annotated[str, Form(max_length=1024)],
    deps: Annotated[Deps, Depends(get_deps)],
) -> HTMLResponse:
    """Submitting the reset form: spends the token, sets the password, ends sessions."""
    try:
        await complete_reset(deps, CompleteReset(token, password))
    except LinkNotUsable as error:
        return _dead("password_reset", error.state, token)
    except IdentityError as error:
        form = HtmlForm("/links/reset-password", "Set new password", [PASSWORD], {"token": token})
        return page("Choose a new password", error.detail, form, status=error.status, error=True)
    return page("Password changed", "Your password was changed. You can now log in.")


@router.post("/reset-password/new", response_class=HTMLResponse)
async def reset_again(
    login: Annotated[str, Form(min_length=1, max_length=254)],
    request: Request,
    deps: Annotated[Deps, Depends(get_deps)],
) -> HTMLResponse:
    """Ask for a new reset link from a dead link's page; the same answer for anyone."""
    await request_password_reset(deps, RequestPasswordReset(login, client_ip(request)))
    return page("Check your email", "If an account matches, we sent it a new reset link.")


@router.get("/create-login", response_class=HTMLResponse)
async def create_login_form(token: str, deps: Annotated[Deps, Depends(get_deps)]) -> HTMLResponse:
    """The create-your-login page: choose a username and password."""
    state = await link_state(deps, token, "create_login")
    if state is not LinkState.VALID:
        return _dead("create_login", state.value, token)
    fields = [USERNAME, PASSWORD]
    form = HtmlForm("/links/create-login", "Create my login", fields, {"token": token})
    return page("Create your login", "", form)


@router.post("/create-login", response_class=HTMLResponse)
async def create_login_submit(
    token: Token,
    username: Annotated[str, Form(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$")],
    password: Annotated[str, Form(max_length=1024)],
    deps: Annotated[Deps, Depends(get_deps)],
) -> HTMLResponse:
    """Submitting the create-login form: spends the token and creates the login."""
    try:
        await create_login(deps, CreateLogin(token, username, password))
    except LinkNotUsable as error:
        return _dead("create_login", error.state, token)
    except IdentityError as error:
        fields = [USERNAME, PASSWORD]
        form = HtmlForm("/links/create-login", "Create my login", fields, {"token": token})
        return page("Create your login", error.detail, form, status=error.status, error=True)
    return page("Your login is ready", f"You can now log in as {username}.")


@router.post("/create-login/new", response_class=HTMLResponse)
async def create_login_again(
    token: Token, request: Request, deps: Annotated[Deps, Depends(get_deps)]
) -> HTMLResponse:
    """Ask for a new create-login link from an expired or superseded link's page."""
    await request_create_login_again(deps, token, client_ip(request))
    return page(
        "Check your email",
        "If this link was for a login that still needs creating, we sent a new link.",
    )


@router.get("/verify-email", response_class=HTMLResponse)
async def verify_form(token: str, deps: Annotated[Deps, Depends(get_deps)]) -> HTMLResponse:
    """The verification page: one button confirms (mail scanners only open links)."""
    state = await link_state(deps, token, "email_verification")
    if state is not LinkState.VALID:
        return _dead("email_verification", state.value, token)
    form = HtmlForm("/links/verify-email", "Confirm my address", hidden={"token": token})
    return page("Confirm your email address", "", form)


@router.post("/verify-email", response_class=HTMLResponse)
async def verify_submit(token: Token, deps: Annotated[Deps, Depends(get_deps)]) -> HTMLResponse:
    """Submitting the verification form: proves the address, completes the signup."""
    try:
        await verify_email(deps, VerifyEmail(token=token))
    except IdentityError as error:
        state = await link_state(deps, token, "email_verification")
        if state is not LinkState.VALID:
            return _dead("email_verification", state.value, token)
        return page("Address not confirmed", error.detail, status=error.status, error=True)
    return page("Address confirmed", "Your account is ready. You can now log in in the app.")


@router.post("/verify-email/new", response_class=HTMLResponse)
async def verify_again(
    token: Token, request: Request, deps: Annotated[Deps, Depends(get_deps)]
) -> HTMLResponse:
    """Ask for a new verification link from a dead link's page."""
    await resend_verification(deps, token, client_ip(request))
    return page("Check your email", "If the address still needs confirming, we sent a new link.")


_SIGN_IN = HtmlForm("/links/sign-in", "Sign in", [LOGIN, CURRENT_PASSWORD])


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_form() -> HTMLResponse:
    """Where emails' "sign in" links land: check a login without the app."""
    return page("Sign in", "Use your username or email address.", _SIGN_IN)


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in_submit(
    login: Annotated[str, Form(min_length=1, max_length=254)],
    password: Annotated[str, Form(min_length=1, max_length=1024)],
    request: Request,
    deps: Annotated[Deps, Depends(get_deps)],
) -> HTMLResponse:
    """A password login (throttled like the app's); the app keeps the session, not this page."""
    try:
        await log_in(deps, LogIn(login, password, client_ip(request)))
    except IdentityError as error:
        return page("Sign in", error.detail, _SIGN_IN, status=error.status, error=True)
    return page("You are signed in", "Your login works. Continue in the app.")
