"""What every HTTP request passes before a route sees it, the same in every service.

- `InputGuard`: a body larger than the cap (64 KiB) is refused with 413 before anything
  parses it; text PostgreSQL cannot store (NUL characters, lone UTF-16 surrogates,
  bytes that are not UTF-8) in the path, the query, a header or a JSON or form body is
  refused with 422. Both answer a problem body (``application/problem+json``), or an
  HTML page where the service renders one for that path, so no such input reaches a
  handler or the database (where it would end as a 500).
- `TrustedProxies`: the client's address comes from ``X-Forwarded-For`` only when the
  peer is one of the configured proxies (the `trusted_proxies` setting, empty by
  default); the client is then the rightmost address not itself a trusted proxy.
  Anyone else's header is ignored: the peer is the client.
- `describe_edge_errors`: the app's OpenAPI document says so, and every error status
  it lists has its problem body (never FastAPI's unused ``application/json`` default).
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from functools import partial
from typing import Any
from urllib.parse import unquote_to_bytes

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import MEDIA_TYPE, PROBLEM_TYPE_BASE

MAX_BODY_BYTES = 64 * 1024
PROBLEM_JSON = MEDIA_TYPE
# NUL, and surrogates no UTF-8 encoder accepts (what JSON's "\ud800" decodes to).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# (path, method, operation) -> the error statuses a service adds to that operation.
ExtraStatuses = Callable[[str, str, dict[str, Any]], Iterable[int]]


def problem_body(status: int, title: str, detail: str) -> bytes:
    """An RFC 9457 body (as `frontdesk_kit.problems` answers); `type` ends in a slug of
    the title."""
    kind = PROBLEM_TYPE_BASE + title.lower().replace(" ", "-")
    body = {"type": kind, "title": title, "status": status, "detail": detail}
    return json.dumps(body).encode()


HtmlRefusal = Callable[[str, int, str, str], bytes | None]
"""`(path, status, title, detail)` → an HTML page for a browser's refused request, or
None where the path has no pages (the problem body is answered then)."""


class InputGuard:
    """ASGI middleware: the body size cap and the refusal of unstorable text.

    A service with pages for people (identity's link pages) passes `html_refusal`, so a
    browser posting one of those forms sees a page with a sentence, never JSON."""

    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int = MAX_BODY_BYTES,
        html_refusal: HtmlRefusal | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.html_refusal = html_refusal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        refuse = partial(self._refuse, send, scope["path"])
        if self._unstorable_request_line(scope) or any(b"\x00" in v for v in headers.values()):
            await refuse(422, "Invalid request", "the request holds a NUL character")
            return
        declared = headers.get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.max_body_bytes:
            await self._too_large(refuse)
            return
        body = await self._read(receive)
        if body is None:
            await self._too_large(refuse)
            return
        flaw = unstorable_body(headers.get(b"content-type", b""), body)
        if flaw:
            await refuse(422, "Invalid request", flaw)
            return
        await self.app(scope, _replay(body, receive), send)

    @staticmethod
    def _unstorable_request_line(scope: Scope) -> bool:
        return "\x00" in scope["path"] or b"\x00" in unquote_to_bytes(scope["query_string"])

    async def _read(self, receive: Receive) -> bytes | None:
        """The whole body, or None once it outgrows the cap (the rest is never read)."""
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)

    async def _too_large(self, refuse: Callable[[int, str, str], Awaitable[None]]) -> None:
        limit = f"{self.max_body_bytes // 1024} KiB"
        await refuse(413, "Body too large", f"request bodies are at most {limit}")

    async def _refuse(self, send: Send, path: str, status: int, title: str, detail: str) -> None:
        page = self.html_refusal(path, status, title, detail) if self.html_refusal else None
        body, media = (page, "text/html; charset=utf-8") if page is not None else (None, "")
        if body is None:
            body, media = problem_body(status, title, detail), PROBLEM_JSON
        headers = [(b"content-type", media.encode()), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def unstorable_body(content_type: bytes, body: bytes) -> str | None:
    """Why a JSON or form body cannot be stored as text, or None when it can."""
    if not body:
        return None
    media = content_type.split(b";")[0].strip().lower()
    if media == b"application/json" or media.endswith(b"+json"):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return "the body is not UTF-8"
        try:
            parsed = json.loads(text)
        except ValueError:
            return None  # FastAPI answers malformed JSON itself (422)
        return "the body holds a NUL character or a lone surrogate" if _holds(parsed) else None
    if media == b"application/x-www-form-urlencoded":
        decoded = unquote_to_bytes(body.replace(b"+", b" "))
        if b"\x00" in decoded:
            return "a form field holds a NUL character"
        try:
            decoded.decode("utf-8")
        except UnicodeDecodeError:
            return "a form field is not UTF-8"
    elif media.startswith(b"multipart/") and b"\x00" in body:
        return "a form field holds a NUL character"  # no service takes file uploads
    return None


def _holds(value: Any) -> bool:
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is not None
    if isinstance(value, dict):
        return any(_holds(k) or _holds(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds(v) for v in value)
    return False


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the app the body already read, then the real channel."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def parse_networks(proxies: Iterable[str | _Network]) -> tuple[_Network, ...]:
    """Addresses or CIDRs as networks (``10.0.0.1`` is ``10.0.0.1/32``)."""
    return tuple(ipaddress.ip_network(str(p).strip(), strict=False) for p in proxies)


def forwarded_client(peer: str, forwarded_for: Sequence[str], proxies: Sequence[_Network]) -> str:
    """The client's address: `peer` unless it is a trusted proxy; then the rightmost
    ``X-Forwarded-For`` hop that is not a trusted proxy (a hop that is no address ends
    the walk: nothing left of it can be believed)."""
    if not _trusted(peer, proxies):
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",")]
    client = peer
    for hop in reversed(hops):
        if not _is_address(hop):
            break
        client = hop
        if not _trusted(hop, proxies):
            break
    return client


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _trusted(address: str, proxies: Sequence[_Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


class TrustedProxies:
    """ASGI middleware: sets the request's client from ``X-Forwarded-For`` when, and only
    when, the peer is a trusted proxy (run uvicorn with ``proxy_headers=False``)."""

    def __init__(self, app: ASGIApp, proxies: Iterable[str | _Network] = ()) -> None:
        self.app = app
        self.proxies = parse_networks(proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] == "http" and self.proxies and client:
            hops = [v.decode("latin-1") for k, v in scope["headers"] if k == b"x-forwarded-for"]
            if hops:
                address = forwarded_client(client[0], hops, self.proxies)
                scope = {**scope, "client": (address, client[1] if address == client[0] else 0)}
        await self.app(scope, receive, send)


def install_edge(
    app: FastAPI,
    *,
    trusted_proxies: Iterable[str | _Network] = (),
    max_body_bytes: int = MAX_BODY_BYTES,
    extra: ExtraStatuses | None = None,
    html_refusal: HtmlRefusal | None = None,
) -> None:
    """Add both middlewares to `app` (the guard outermost) and describe their answers
    (`extra`: see `describe_edge_errors`; `html_refusal`: see `InputGuard`)."""
    app.add_middleware(TrustedProxies, proxies=tuple(trusted_proxies))
    app.add_middleware(InputGuard, max_body_bytes=max_body_bytes, html_refusal=html_refusal)
    describe_edge_errors(app, extra=extra)


# OpenAPI ------------------------------------------------------------------------------

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An RFC 9457 problem body; some carry more fields.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
    },
}
_DESCRIPTIONS = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    410: "Gone",
    413: "Body too large (over 64 KiB)",
    422: "Invalid request (including NUL characters and text that is not UTF-8)",
    429: "Too many attempts; see Retry-After",
    503: "Not available",
}


def describe_edge_errors(
    app: FastAPI,
    *,
    extra: ExtraStatuses | None = None,
) -> None:
    """Make `app.openapi()` describe every error answer: 422 on any operation (the guard
    refuses unstorable text anywhere), 413 on operations with a body, `extra(path,
    method, operation)` statuses where a service says so, each a problem body; HTML
    operations keep ``text/html`` beside it for the pages they answer."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            schemas.setdefault("Problem", PROBLEM_SCHEMA)
            for path, operations in document.get("paths", {}).items():
                for method, operation in operations.items():
                    added = set(extra(path, method, operation)) if extra else set()
                    _describe(operation, added)
            _drop_unused(schemas, document)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _describe(operation: dict[str, Any], added: set[int]) -> None:
    responses = operation.setdefault("responses", {})
    html = any("text/html" in r.get("content", {}) for r in responses.values())
    statuses = added | {422}
    if "requestBody" in operation:
        statuses.add(413)
    for status in statuses:
        responses.setdefault(str(status), {"description": _DESCRIPTIONS.get(status, "Error")})
    for code, response in responses.items():
        if not code.isdigit() or int(code) < 400 or not _a_problem(response):
            continue
        content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        if html:
            content["text/html"] = {"schema": {"type": "string"}}
        response["content"] = content
        if response.get("description") in (None, "", "Validation Error", "Successful Response"):
            response["description"] = _DESCRIPTIONS.get(int(code), "Error")


def _a_problem(response: dict[str, Any]) -> bool:
    """Whether an error response is (or is FastAPI's stand-in for) a problem body; one
    that names a schema of its own (readiness's JSON) stays as it is."""
    content = response.get("content", {})
    ref = str(content.get("application/json", {}).get("schema", {}).get("$ref", ""))
    return not content or PROBLEM_JSON in content or ref.endswith(("Problem", "ValidationError"))


def _drop_unused(schemas: dict[str, Any], document: dict[str, Any]) -> None:
    """FastAPI's validation-error schemas, once nothing refers to them."""
    for name in ("HTTPValidationError", "ValidationError"):
        others = {k: v for k, v in schemas.items() if k != name}
        if f"#/components/schemas/{name}" not in json.dumps([document.get("paths"), others]):
            schemas.pop(name, None)
