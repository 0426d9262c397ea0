"""The web app: the HTML inbox for people, and the JSON API (``api.py``) for tests.

Message content is hostile as far as the inbox is concerned: every value is
escaped by Jinja2's autoescape, the inbox pages forbid scripts by CSP, and the
HTML part is served from its own route under a CSP ``sandbox`` (no scripts, an
opaque origin) and shown in a sandboxed iframe. Its links open in the top
window, so a link in a test email can be followed as a person would.

The pages are plain ``def`` routes, run in worker threads, because rendering
them parses messages (see ``api.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import jinja2
from fastapi import APIRouter, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from frontdesk_devmail import api
from frontdesk_devmail.api import existing_message
from frontdesk_devmail.faults import FaultBook
from frontdesk_devmail.inbox import Inbox
from frontdesk_devmail.problems import install_problem_handlers
from frontdesk_devmail.smtp import SmtpServer
from frontdesk_devmail.store import MessageQuery

TEMPLATES_DIR = Path(__file__).parent / "templates"

PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

# For the message's own HTML. `sandbox` without allow-scripts and without
# allow-same-origin: no script runs and the document cannot reach the inbox.
# Top navigation is allowed on a click, so links work as they would in a mail client.
MESSAGE_HTML_HEADERS = {
    "Content-Security-Policy": (
        "sandbox allow-popups allow-popups-to-escape-sandbox "
        "allow-top-navigation-by-user-activation; "
        "default-src 'none'; style-src 'unsafe-inline'; img-src data: http: https:; "
        "font-src data:; form-action 'none'; base-uri 'none'; frame-ancestors 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

pages = APIRouter(include_in_schema=False)


def create_app(inbox: Inbox, faults: FaultBook, smtp: SmtpServer) -> FastAPI:
    """The FastAPI app serving ``inbox`` and ``faults``, and switching ``smtp``'s outages."""
    app = FastAPI(
        title="Frontdesk devmail",
        summary="Development SMTP server: every received message, for people and for tests.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    templates = Jinja2Templates(
        env=jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
    )
    app.state.inbox = inbox
    app.state.faults = faults
    app.state.smtp = smtp
    app.state.templates = templates
    app.include_router(api.router)
    app.include_router(pages)
    install_problem_handlers(app, templates, PAGE_HEADERS)
    return app


@pages.get("/", response_class=HTMLResponse)
def inbox_page(
    request: Request, inbox: api.InboxDep, to: Annotated[str | None, Query()] = None
) -> Response:
    """Every message, newest first, optionally only those to one recipient."""
    messages = inbox.find(MessageQuery(to=to or None))
    messages.reverse()
    return _render(request, "inbox.html", messages=messages, to=to or "")


@pages.get("/messages/{message_id}", response_class=HTMLResponse)
def message_page(request: Request, message_id: int, inbox: api.InboxDep) -> Response:
    """One message: headers, links, the HTML part in a sandbox, and the text part."""
    return _render(request, "message.html", message=existing_message(inbox, message_id))


@pages.get("/messages/{message_id}/html", response_class=HTMLResponse)
def message_html(message_id: int, inbox: api.InboxDep) -> Response:
    """The message's HTML part, under a sandboxing CSP; its links open in the top window."""
    html = existing_message(inbox, message_id).content.html
    if html is None:
        raise HTTPException(404, f"message {message_id} has no HTML part")
    # A <base> before the document: the parser moves it into <head>, and the
    # first <base target> wins over one the message may carry.
    return HTMLResponse('<base target="_top">' + html, headers=MESSAGE_HTML_HEADERS)


def _render(request: Request, template: str, **context: object) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, template, context, headers=PAGE_HEADERS)
