"""Server-rendered link pages: plain HTML forms that work without JavaScript.

The one script (a show-password toggle) only enhances a form that works without it; the
Content-Security-Policy allows exactly that script, by its hash.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..domain.accounts import USERNAME_RULES

TEMPLATES = Path(__file__).parent.parent / "templates"
PRODUCT_NAME = "Frontdesk"
_ENV = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


@cache
def _script() -> tuple[str, str]:
    """The show-password script and its CSP source (`'sha256-...'`)."""
    text = (TEMPLATES / "show-password.js").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()
    return text, f"'sha256-{digest}'"


def _headers() -> dict[str, str]:
    # The token rides in the page's form; keep it out of caches and Referer headers.
    # One known script, forms post only here, and no framing (clickjacking of the forms).
    return {
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "Content-Security-Policy": f"default-src 'none'; script-src {_script()[1]}; "
        "style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'",
        "X-Content-Type-Options": "nosniff",
    }


@dataclass(frozen=True)
class Field:
    """One input of a form; `hint` states its rules before anyone types."""

    name: str
    label: str
    type: str = "text"
    autocomplete: str = "off"
    hint: str = ""
    value: str = ""
    inputmode: str = ""


@dataclass(frozen=True)
class Form:
    """A form posting to `action`, with hidden values (the token) and visible fields."""

    action: str
    submit: str
    fields: list[Field] = field(default_factory=list)
    hidden: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Link:
    """A plain link under the page's form (e.g. "Forgot your password?")."""

    href: str
    text: str


USERNAME = Field("username", "Username", "text", "username", USERNAME_RULES)
LOGIN = Field("login", "Your email address or username", "text", "username")
CURRENT_PASSWORD = Field("password", "Password", "password", "current-password")
FORGOT_PASSWORD = Link("/links/reset-password/new", "Forgot your password?")
NEXT_STEP = "Open the app and sign in with your username (or email address) and password."


def new_password(min_length: int, max_length: int) -> Field:
    """The new-password field, with the policy's rules stated above the input."""
    hint = f"{min_length} to {max_length} characters. Very common passwords are refused."
    return Field("password", "New password", "password", "new-password", hint)


def with_value(fields: Sequence[Field], name: str, value: str) -> list[Field]:
    """`fields` with `name` pre-filled (re-rendering a refused form keeps what was typed)."""
    return [replace(f, value=value) if f.name == name else f for f in fields]


def mask_address(address: str) -> str:
    """`c***@example.com`: enough for the owner to recognise, little for anyone else."""
    local, at, domain = address.partition("@")
    return f"{local[:1]}***{at}{domain}" if at else "***"


def page(
    title: str,
    message: str = "",
    form: Form | None = None,
    *,
    status: int = 200,
    error: bool = False,
    studio: str | None = None,
    account: str = "",
    next_step: str = "",
    links: Sequence[Link] = (),
) -> HTMLResponse:
    """An HTML page in the emails' look: studio name, a message, optionally a form.

    `account` says which login or address the page is for (masked by the caller);
    `next_step` says what to do after success.
    """
    html = _ENV.get_template("page.html").render(
        title=title,
        message=message,
        form=form,
        error=error,
        brand=studio or PRODUCT_NAME,
        product=PRODUCT_NAME,
        account=account,
        next_step=next_step,
        links=links,
        script=_script()[0],
    )
    return HTMLResponse(html, status_code=status, headers=_headers())
