"""Turn a raw RFC 5322 message into the parts the inbox shows and tests read.

Parsing never fails: a development server must keep and show whatever a
sender produced, so a part or header that cannot be decoded is shown raw or
left out, and the raw .eml stays available either way.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from html.parser import HTMLParser

log = logging.getLogger(__name__)

_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING_PUNCTUATION = ".,;:!?'\""
_CLOSING_BRACKETS = {")": "(", "]": "[", "}": "{"}
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class ParsedMessage:
    """What a message says, as opposed to how it travelled (that is the envelope).

    ``headers`` holds every header once (the first occurrence of a repeated one),
    decoded to text. ``links`` are the http(s) URLs of the HTML part's ``href``
    attributes followed by those in the text part, de-duplicated, in order.
    """

    headers: dict[str, str]
    subject: str
    sender: str
    to: str
    message_id: str
    text: str | None
    html: str | None
    links: tuple[str, ...]


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse a raw message; never raises on malformed input."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    headers = _decoded_headers(message)
    text = _body(message, "plain")
    html = _body(message, "html")
    return ParsedMessage(
        headers=headers,
        subject=_lookup(headers, "Subject"),
        sender=_lookup(headers, "From"),
        to=_lookup(headers, "To"),
        message_id=_lookup(headers, "Message-ID"),
        text=text,
        html=html,
        links=extract_links(html=html, text=text),
    )


def extract_links(*, html: str | None, text: str | None) -> tuple[str, ...]:
    """The http(s) URLs in the HTML part's href attributes, then in the text part."""
    found = [*_hrefs(html or ""), *_urls_in_text(text or "")]
    return tuple(dict.fromkeys(found))


def _decoded_headers(message: EmailMessage) -> dict[str, str]:
    headers: dict[str, str] = {}
    seen: set[str] = set()
    for name, raw_value in message.raw_items():
        if name.lower() not in seen:
            seen.add(name.lower())
            headers[name] = _decode_header(message, name, raw_value)
    return headers


def _lookup(headers: dict[str, str], name: str) -> str:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), "")


def _decode_header(message: Message, name: str, raw_value: str) -> str:
    try:
        value = str(message.policy.header_fetch_parse(name, raw_value))
    except Exception:  # noqa: BLE001 - the email package raises assorted errors on malformed headers
        log.debug("header %s could not be decoded; showing it raw", name)
        value = raw_value
    return _WHITESPACE.sub(" ", value).strip()


def _body(message: EmailMessage, subtype: str) -> str | None:
    try:
        part = message.get_body(preferencelist=(subtype,))
    except Exception:  # noqa: BLE001 - malformed MIME structure
        log.debug("could not locate the %s part", subtype)
        return None
    if part is None:
        return None
    try:
        content = str(part.get_content())
    except Exception:  # noqa: BLE001 - unknown charset or broken transfer encoding
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            return None
        content = payload.decode("utf-8", errors="replace")
    return content.replace("\r\n", "\n")


class _HrefCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs.extend(value.strip() for name, value in attrs if name == "href" and value)


def _hrefs(html: str) -> list[str]:
    collector = _HrefCollector()
    collector.feed(html)
    collector.close()
    return [href for href in collector.hrefs if _is_web_url(href)]


def _urls_in_text(text: str) -> list[str]:
    return [_trim_url(match.group()) for match in _URL_IN_TEXT.finditer(text)]


def _is_web_url(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


def _trim_url(url: str) -> str:
    """Drop sentence punctuation and an unbalanced closing bracket after a URL in prose."""
    while url and (url[-1] in _TRAILING_PUNCTUATION or _unbalanced_closing(url)):
        url = url[:-1]
    return url


def _unbalanced_closing(url: str) -> bool:
    opening = _CLOSING_BRACKETS.get(url[-1])
    return opening is not None and url.count(url[-1]) > url.count(opening)
