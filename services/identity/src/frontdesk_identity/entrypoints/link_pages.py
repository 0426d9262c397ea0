"""The pages an email's link opens. Opening shows a form; submitting spends the token.

Every refusal re-renders the page with a sentence (never a problem body), and every form
post passes the same-site check of `LinkPageRoute` first.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from ..domain.accounts import check_username
from ..domain.commands import (
    CompleteReset,
    CreateLogin,
    LogIn,
    RequestPasswordReset,
    VerifyEmail,
)
from ..domain.errors import IdentityError, LinkNotUsable
from ..domain.tokens import LinkState, Purpose, Recovery, recovery
from ..service_layer.deps import Deps
from ..service_layer.link_tokens import RESET_REQUEST_PAGE, LinkView, view_link
from ..service_layer.links import (
    complete_reset,
    create_login,
    request_create_login_again,
    request_password_reset,
)
from ..service_layer.sessions import log_in
from ..service_layer.signup import resend_verification, verify_email
from .link_guard import LinkPageRoute
from .pages import (
    CURRENT_PASSWORD,
    FORGOT_PASSWORD,
    LOGIN,
    NEXT_STEP,
    USERNAME,
    Field,
    mask_address,
    new_password,
    page,
    with_value,
)
from .pages import Form as HtmlForm
from .web import DepsDep, client_ip

router = APIRouter(
    prefix="/links", tags=["link pages"], include_in_schema=True, route_class=LinkPageRoute
)
# Form fields take any text (missing is empty): the page, not FastAPI, says what is wrong.
Text = Annotated[str, Form()]
_MAX_TEXT = 1024

_WHY = {
    LinkState.EXPIRED: "This link has expired.",
    LinkState.USED: "This link has already been used.",
    LinkState.SUPERSEDED: "A newer link was sent; this one no longer works.",
    LinkState.REVOKED: "This link no longer works.",
    LinkState.UNKNOWN: "This link is not valid.",
}


def _sentence(error: IdentityError) -> str:
    """A refusal as a client reads it: "Password not accepted: use at least 8 characters."."""
    detail = error.detail.rstrip(".")
    return f"{error.title}: {detail}."


def _readable(*values: str) -> bool:
    """Whether a form's values are short enough to use. (NUL and other text PostgreSQL
    cannot store never get here: the kit's edge guard answers them with a page.)"""
    return all(len(v) <= _MAX_TEXT for v in values)


def _for_whom(view: LinkView) -> str:
    masked = mask_address(view.email)
    if view.username:
        return f"For your login {view.username} ({masked})."
    return f"For the account of {masked}."


def _dead(purpose: Purpose, state: str, token: str) -> HTMLResponse:
    link = LinkState(state)
    why, again = _WHY[link], _WHY[link] + " We can send you a new one."
    offer = recovery(purpose, link)
    if offer is Recovery.REQUEST_RESET:
        form = HtmlForm(RESET_REQUEST_PAGE, "Send me a new reset link", [LOGIN])
    elif offer is Recovery.RESEND_VERIFICATION:
        form = HtmlForm("/links/verify-email/new", "Send me a new link", hidden={"token": token})
    elif offer is Recovery.RENEW_CREATE_LOGIN:
        form = HtmlForm("/links/create-login/new", "Send me a new link", hidden={"token": token})
    else:
        sentence = why + " Ask your studio to send you a new welcome email."
        return page("Link no longer works", sentence, status=410)
    return page("Link no longer works", again, form, status=410)


def _password(deps: Deps) -> Field:
    s = deps.settings
    return new_password(s.password_min_length, s.password_max_length)


def _link_form_page(
    title: str, view: LinkView, form: HtmlForm, message: str, status: int
) -> HTMLResponse:
    """A live link's form: whose link it is, its studio, and a refusal when there is one."""
    account = _for_whom(view) if view.email else ""
    return page(
        title,
        message,
        form,
        status=status,
        error=bool(message),
        account=account,
        studio=view.studio_name,
    )


# --- reset password -------------------------------------------------------------------


def _reset_page(
    deps: Deps, token: str, view: LinkView, message: str = "", status: int = 200
) -> HTMLResponse:
    form = HtmlForm(
        "/links/reset-password", "Set new password", [_password(deps)], {"token": token}
    )
    return _link_form_page("Choose a new password", view, form, message, status)


@router.get("/reset-password", response_class=HTMLResponse)
async def reset_form(token: str, deps: DepsDep) -> HTMLResponse:
    """The reset page: a form to choose a new password (the token is not spent)."""
    view = await view_link(deps, token, "password_reset")
    if view.state is not LinkState.VALID:
        return _dead("password_reset", view.state.value, token)
    return _reset_page(deps, token, view)


@router.post("/reset-password", response_class=HTMLResponse)
async def reset_submit(deps: DepsDep, token: Text = "", password: Text = "") -> HTMLResponse:
    """Submitting the reset form: spends the token, sets the password, ends sessions."""
    if not _readable(token):
        return _dead("password_reset", LinkState.UNKNOWN.value, "")
    if not _readable(password):
        view = await view_link(deps, token, "password_reset")
        return _reset_page(deps, token, view, _UNUSABLE, 400)
    try:
        await complete_reset(deps, CompleteReset(token, password))
    except LinkNotUsable as error:
        return _dead("password_reset", error.state, token)
    except IdentityError as error:
        view = await view_link(deps, token, "password_reset")
        return _reset_page(deps, token, view, _sentence(error), error.status)
    return page(
        "Password changed",
        "Your password was changed and every earlier session was signed out.",
        next_step=NEXT_STEP,
    )


_UNUSABLE = "This form holds a value we cannot use. Type it again."


_FORGOT_FORM = HtmlForm(RESET_REQUEST_PAGE, "Send me a reset link", [LOGIN])


@router.get("/reset-password/new", response_class=HTMLResponse)
async def reset_request_form() -> HTMLResponse:
    """Forgot your password? Ask for a reset link by address or username."""
    return page(
        "Forgot your password?",
        "Type your email address or username and we will email you a link to choose a "
        "new password. The link works for one hour.",
        _FORGOT_FORM,
    )


@router.post("/reset-password/new", response_class=HTMLResponse)
async def reset_again(request: Request, deps: DepsDep, login: Text = "") -> HTMLResponse:
    """Ask for a reset link (forgot password, or a dead link's page); the same answer for
    anyone."""
    login = login.strip()
    if not login or len(login) > 254 or not _readable(login):
        refusal = "Type the email address or username of your login (at most 254 characters)."
        return page("Forgot your password?", refusal, _FORGOT_FORM, status=422, error=True)
    await request_password_reset(deps, RequestPasswordReset(login, client_ip(request)))
    return page(
        "Check your email",
        "If an account matches, we sent it a new reset link. It works for one hour.",
    )


# --- create login ---------------------------------------------------------------------


def _create_login_page(
    deps: Deps, token: str, view: LinkView, message: str = "", status: int = 200, username: str = ""
) -> HTMLResponse:
    fields = with_value([USERNAME, _password(deps)], "username", username)
    form = HtmlForm("/links/create-login", "Create my login", fields, {"token": token})
    return _link_form_page("Create your login", view, form, message, status)


@router.get("/create-login", response_class=HTMLResponse)
async def create_login_form(token: str, deps: DepsDep) -> HTMLResponse:
    """The create-your-login page: choose a username and password."""
    view = await view_link(deps, token, "create_login")
    if view.state is not LinkState.VALID:
        return _dead("create_login", view.state.value, token)
    return _create_login_page(deps, token, view)


@router.post("/create-login", response_class=HTMLResponse)
async def create_login_submit(
    deps: DepsDep,
    token: Text = "",
    username: Text = "",
    password: Text = "",
) -> HTMLResponse:
    """Submitting the create-login form: spends the token and creates the login."""
    if not _readable(token):
        return _dead("create_login", LinkState.UNKNOWN.value, "")
    view = await view_link(deps, token, "create_login")
    if view.state is not LinkState.VALID:
        return _dead("create_login", view.state.value, token)
    if not _readable(username, password):
        return _create_login_page(deps, token, view, _UNUSABLE, 400)
    username = username.strip()
    try:
        # The username's shape first, as the API's schema checks it (the page keeps it).
        await create_login(deps, CreateLogin(token, check_username(username), password))
    except LinkNotUsable as error:
        return _dead("create_login", error.state, token)
    except IdentityError as error:
        return _create_login_page(deps, token, view, _sentence(error), error.status, username)
    return page(
        "Your login is ready",
        f"You can now log in as {username}.",
        account=f"Your email address {mask_address(view.email)} works as a login too.",
        next_step=NEXT_STEP,
    )


@router.post("/create-login/new", response_class=HTMLResponse)
async def create_login_again(request: Request, deps: DepsDep, token: Text = "") -> HTMLResponse:
    """Ask for a new create-login link from an expired or superseded link's page."""
    if _readable(token):
        await request_create_login_again(deps, token, client_ip(request))
    return page(
        "Check your email",
        "If this link was for a login that still needs creating, we sent a new link.",
    )


# --- verify email ---------------------------------------------------------------------


@router.get("/verify-email", response_class=HTMLResponse)
async def verify_form(token: str, deps: DepsDep) -> HTMLResponse:
    """The verification page: one button confirms (mail scanners only open links)."""
    view = await view_link(deps, token, "email_verification")
    if view.state is not LinkState.VALID:
        return _dead("email_verification", view.state.value, token)
    form = HtmlForm("/links/verify-email", "Confirm my address", hidden={"token": token})
    account = f"The address: {mask_address(view.email)}."
    return page("Confirm your email address", "", form, account=account, studio=view.studio_name)


@router.post("/verify-email", response_class=HTMLResponse)
async def verify_submit(deps: DepsDep, token: Text = "") -> HTMLResponse:
    """Submitting the verification form: proves the address, completes the signup."""
    if not _readable(token):
        return _dead("email_verification", LinkState.UNKNOWN.value, "")
    try:
        await verify_email(deps, VerifyEmail(token=token))
    except IdentityError as error:
        state = (await view_link(deps, token, "email_verification")).state
        if state is not LinkState.VALID:
            return _dead("email_verification", state.value, token)
        return page("Address not confirmed", _sentence(error), status=error.status, error=True)
    return page("Address confirmed", "Your account is ready.", next_step=NEXT_STEP)


@router.post("/verify-email/new", response_class=HTMLResponse)
async def verify_again(request: Request, deps: DepsDep, token: Text = "") -> HTMLResponse:
    """Ask for a new verification link from a dead link's page."""
    if _readable(token):
        await resend_verification(deps, token, client_ip(request))
    return page("Check your email", "If the address still needs confirming, we sent a new link.")


# --- sign in --------------------------------------------------------------------------

_SIGN_IN = HtmlForm("/links/sign-in", "Sign in", [LOGIN, CURRENT_PASSWORD])
_SIGN_IN_HINT = "Use your username or email address."


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_form() -> HTMLResponse:
    """Where emails' "sign in" links land: check a login without the app, or ask for a
    reset link."""
    return page("Sign in", _SIGN_IN_HINT, _SIGN_IN, links=[FORGOT_PASSWORD])


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in_submit(
    request: Request,
    deps: DepsDep,
    login: Text = "",
    password: Text = "",
) -> HTMLResponse:
    """A password login (throttled like the app's); the app keeps the session, not this page."""
    login = login.strip()
    if not login or not password or len(login) > 254 or not _readable(login, password):
        refusal = "Type your username or email address and your password."
        return page("Sign in", refusal, _SIGN_IN, status=422, error=True, links=[FORGOT_PASSWORD])
    try:
        await log_in(deps, LogIn(login, password, client_ip(request)))
    except IdentityError as error:
        sentence = _sentence(error)
        return page(
            "Sign in", sentence, _SIGN_IN, status=error.status, error=True, links=[FORGOT_PASSWORD]
        )
    return page("You are signed in", "Your login works.", next_step="Continue in the app.")


# --- how the app answers for the link pages -------------------------------------------


def refusal_page(path: str, status: int, title: str, detail: str) -> bytes | None:
    """A link-page form the kit's edge guard refuses (a NUL, a huge body) still answers
    a page."""
    if not path.startswith("/links/"):
        return None
    sentence = f"{title}: {detail}. Go back to the page and try again."
    return bytes(page(title, sentence, status=status, error=True).body)


# Link pages answer refusals as pages: the statuses their use cases can refuse with,
# as the OpenAPI document says.
_PAGE_STATUSES = (400, 401, 403, 404, 409, 410, 422, 429)


def page_statuses(path: str, method: str, operation: dict[str, Any]) -> Iterable[int]:
    """The refusal statuses the OpenAPI document lists for a link page's operation."""
    return _PAGE_STATUSES if path.startswith("/links/") else ()
