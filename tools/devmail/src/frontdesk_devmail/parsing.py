"""Turn a raw RFC 5322 message into the parts the inbox shows and tests read.

Parsing never fails: a development server must keep and show whatever a
sender produced, so a part or header that cannot be decoded is shown raw or
left out, and the raw .eml stays available either way.

Parsing is the dear part of devmail (milliseconds for a 4 KB multipart message
on a slow machine), so the store calls these only when a message is read:
``parse_headline`` (the headers a listing shows, a small part of the cost) or
``parse_message`` (everything). ``log_subject`` is what the SMTP side can afford
per received message. Headers are shown as sent, decoded (``_decode_header``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from html.parser import HTMLParser

log = logging.getLogger(__name__)

_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING_PUNCTUATION = ".,;:!?'\""
_CLOSING_BRACKETS = {")": "(", "]": "[", "}": "{"}
_WHITESPACE = re.compile(r"\s+")
_HEADLINE_NAMES = ("subject", "from", "message-id")
_SUBJECT_FIELD = re.compile(rb"^subject:(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Headline:
    """What a listing shows of a message, decoded exactly as ``parse_message`` does."""

    subject: str
    sender: str
    message_id: str


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


def parse_headline(raw: bytes) -> Headline:
    """The Subject, From and Message-ID headers, without parsing the body; never raises."""
    # Only the header block, split without interpreting it (compat32).
    fields = BytesHeaderParser(policy=policy.compat32).parsebytes(_header_block(raw)).raw_items()
    found: dict[str, str] = {}
    for name, raw_value in fields:
        if name.lower() in _HEADLINE_NAMES and name.lower() not in found:
            found[name.lower()] = _decode_header(name, raw_value)
    return Headline(
        subject=found.get("subject", ""),
        sender=found.get("from", ""),
        message_id=found.get("message-id", ""),
    )


def log_subject(raw: bytes) -> str:
    """The Subject header for a log line, read without parsing the message.

    Cheap enough to run for every received message; decoded as ``parse_message``
    decodes it, except for a repeated or oddly formed Subject (it is only a log line).
    """
    field = _SUBJECT_FIELD.search(_header_block(raw))
    if field is None:
        return ""
    return _decode_header("Subject", field[1].decode("ascii", errors="surrogateescape"))


def _header_block(raw: bytes) -> bytes:
    for blank_line in (b"\r\n\r\n", b"\n\n"):
        end = raw.find(blank_line)
        if end >= 0:
            return raw[: end + len(blank_line)]
    return raw


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
            headers[name] = _decode_header(name, raw_value)
    return headers


def _lookup(headers: dict[str, str], name: str) -> str:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), "")


def _decode_header(name: str, raw_value: str) -> str:
    """The text of a header as a reader sees it: as sent, with encoded words
    (RFC 2047) decoded, raw 8-bit bytes read as UTF-8, and lines unfolded."""
    # Not the email package's structured headers (addresses, message ids): they
    # re-render the value and cost ten to thirty times as much, which a listing
    # of thousands of messages pays for each one.
    text = raw_value.encode("utf-8", "surrogateescape").decode("utf-8", errors="replace")
    if "=?" in text:
        try:
            text = str(make_header(decode_header(text)))
        except Exception:  # noqa: BLE001 - malformed encoded words or unknown charsets
            log.debug("header %s could not be decoded; showing it raw", name)
    return _WHITESPACE.sub(" ", text).strip()


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
