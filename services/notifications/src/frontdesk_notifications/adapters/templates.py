"""Email texts: Jinja2 templates (subject, plain text, HTML) filled with an event's facts.

Links are built here, from the configured public base URL, with the token opened at the
last moment; the rendered texts hold the secret, so they are never logged or stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import jinja2

from frontdesk_contracts import Secret

from ..settings import Brand

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
DEFAULT_COLOUR = "#1f2937"


class TemplateError(Exception):
    """A template is missing, or could not be filled with the message's facts."""


@dataclass(frozen=True)
class LinkPaths:
    """Where each kind of link points, below the public base URL."""

    base_url: str
    create_login: str = "/links/create-login"
    reset: str = "/links/reset-password"
    verify_email: str = "/links/verify-email"
    sign_in: str = "/links/sign-in"
    forgot_password: str = "/links/reset-password/new"  # noqa: S105 - a path


@dataclass(frozen=True)
class RenderedEmail:
    """Subject, plain text and HTML of one email (they may hold a secret link)."""

    subject: str
    text: str
    html: str

    def __repr__(self) -> str:  # never show a rendered body by accident
        return f"RenderedEmail(subject={self.subject!r})"


# Emails without a secret link point at the page that does what their text offers.
_PLAIN_LINK_PATH = {"password_changed": "forgot_password"}

_LINK_PATH = {
    "create_login": "create_login",
    "welcome_resend": "create_login",
    "password_reset": "reset",
    "email_verification": "verify_email",
}


class EmailRenderer:
    """Renders a message's template with its brand, facts, link and code."""

    def __init__(
        self,
        links: LinkPaths,
        brands: Mapping[str, Brand] | None = None,
        product_name: str = "Frontdesk",
        folder: Path = TEMPLATES,
    ) -> None:
        self._links = links
        self._brands = dict(brands or {})
        self._product_name = product_name
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(folder),
            autoescape=jinja2.select_autoescape(["html"]),
            undefined=jinja2.StrictUndefined,  # a missing fact fails the message, not silently
            keep_trailing_newline=False,
        )

    def render(
        self,
        template: str,
        context: Mapping[str, object],
        secrets: Mapping[str, Secret],
        studio_id: str | None,
    ) -> RenderedEmail:
        """The email of `template`; raises `TemplateError` when it cannot be built."""
        values = {
            **context,
            "brand": self._brand(studio_id, context),
            "link": self._link(template, secrets, context.get("link_page")),
            "expires_text": _expires_text(context.get("expires_at")),
        }
        if "code" in secrets:
            values["code"] = secrets["code"].reveal()
        try:
            subject = self._env.get_template(f"{template}.subject.txt").render(values)
            text = self._env.get_template(f"{template}.txt").render(values)
            html = self._env.get_template(f"{template}.html").render(values)
        except jinja2.TemplateError as error:
            # The message names the template and the problem, never the values.
            detail = f"{type(error).__name__}: {error.message}"
            raise TemplateError(f"template {template!r}: {detail}") from None
        return RenderedEmail(" ".join(subject.split()), text.strip() + "\n", html)

    def _brand(self, studio_id: str | None, context: Mapping[str, object]) -> dict[str, str | None]:
        brand = self._brands.get(studio_id or "", Brand())
        name = brand.name or context.get("studio_name") or self._product_name
        return {
            "name": str(name),
            "colour": brand.colour or DEFAULT_COLOUR,
            "logo_url": brand.logo_url,
        }

    def _link(self, template: str, secrets: Mapping[str, Secret], page: object) -> str:
        base = self._links.base_url.rstrip("/")
        path_name = _LINK_PATH.get(template)
        if path_name is None:
            path: str = getattr(self._links, _PLAIN_LINK_PATH.get(template, "sign_in"))
            return base + path
        if "token" not in secrets:
            raise TemplateError(f"template {template!r} needs a token and the message has none")
        query = urlencode({"token": secrets["token"].reveal()})
        if isinstance(page, str) and _same_origin(page, base):
            return f"{page}{'&' if '?' in page else '?'}{query}"
        # A page on another origin is ignored: an email never links off the public site.
        return f"{base}{getattr(self._links, path_name)}?{query}"


def _same_origin(url: str, base: str) -> bool:
    page, ours = urlsplit(url), urlsplit(base)
    return (page.scheme, page.netloc) == (ours.scheme, ours.netloc)


def _expires_text(value: object) -> str:
    if not isinstance(value, str):
        return ""
    moment = datetime.fromisoformat(value)
    return moment.strftime("%d %B %Y, %H:%M UTC")
