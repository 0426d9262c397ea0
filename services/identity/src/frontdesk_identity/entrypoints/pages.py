"""Server-rendered link pages: plain HTML forms that work without JavaScript."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent.parent / "templates"),
    autoescape=select_autoescape(["html"]),
)
# The token rides in the page's form; keep it out of caches and Referer headers.
# No scripts at all, forms post only here, and no framing (clickjacking of the forms).
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
}


@dataclass(frozen=True)
class Field:
    """One input of a form."""

    name: str
    label: str
    type: str = "text"
    autocomplete: str = "off"


@dataclass(frozen=True)
class Form:
    """A form posting to `action`, with hidden values (the token) and visible fields."""

    action: str
    submit: str
    fields: list[Field] = field(default_factory=list)
    hidden: dict[str, str] = field(default_factory=dict)


PASSWORD = Field("password", "New password (8 to 128 characters)", "password", "new-password")
USERNAME = Field("username", "Username", "text", "username")
LOGIN = Field("login", "Your email address or username", "text", "username")
CURRENT_PASSWORD = Field("password", "Password", "password", "current-password")


def page(
    title: str,
    message: str = "",
    form: Form | None = None,
    *,
    status: int = 200,
    error: bool = False,
) -> HTMLResponse:
    """An HTML page with a message and, optionally, a form."""
    html = _ENV.get_template("page.html").render(
        title=title, message=message, form=form, error=error
    )
    return HTMLResponse(html, status_code=status, headers=_HEADERS)
