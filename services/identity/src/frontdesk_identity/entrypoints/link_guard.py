"""Every link-page form refuses cross-site posts and never answers a browser with JSON."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from .pages import page

CROSS_SITE = (
    "This form was sent from another website, so we did not act on it. "
    "Open the link from your email again and submit the form on this page."
)
UNREADABLE = (
    "We could not read this form. Open the link from your email again and fill in the form."
)
INCOMPLETE = "This link is incomplete. Open it again from your email, the whole address."


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def cross_site(request: Request, public_base_url: str) -> bool:
    """Whether a form post comes from another site.

    Browsers say so in `Sec-Fetch-Site`; where they do not, `Origin` must be ours. The
    pages send no Referer (`no-referrer`), so a browser's own form posts `Origin: null`:
    that, or no header at all (a non-browser client, which has no cookie to abuse),
    passes.
    """
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site not in {"same-origin", "none"}
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return False
    ours = {_origin(public_base_url), _origin(str(request.base_url))}
    return origin.lower() not in ours


class LinkPageRoute(APIRoute):
    """A link page's route: POSTs pass the same-site check before the form is read, and a
    request FastAPI cannot parse answers with a page (422), not a problem body."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            if request.method == "POST":
                base = request.app.state.deps.settings.public_base_url
                if cross_site(request, base):
                    return page("Form not accepted", CROSS_SITE, status=403, error=True)
            try:
                return await handler(request)
            except RequestValidationError:
                if request.method == "POST":
                    return page("Form not accepted", UNREADABLE, status=422, error=True)
                return page("Link not complete", INCOMPLETE, status=422, error=True)

        return guarded
