"""The JSON shapes of the devmail API, shared by the server and ``frontdesk_devmail.client``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from frontdesk_devmail.store import StoredMessage


class MessageSummary(BaseModel):
    """One received message, as listed.

    ``from`` is the From header (what the reader sees); ``to`` lists the
    envelope recipients (who it was delivered to, Bcc included).
    """

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)

    id: int
    received_at: datetime
    sender: str = Field(alias="from", description="The From header.")
    to: list[str] = Field(description="Envelope recipients (RCPT TO).")
    subject: str
    message_id: str = Field(description="The Message-ID header, angle brackets included.")
    envelope_from: str = Field(description="The envelope sender (MAIL FROM).")

    @classmethod
    def of(cls, message: StoredMessage) -> MessageSummary:
        """The summary of a stored message (parses its headers if not yet: off the loop)."""
        return cls(**_summary_fields(message))


class Message(MessageSummary):
    """One received message in full."""

    headers: dict[str, str] = Field(description="Every header once, decoded; first one wins.")
    text: str | None = Field(description="The text/plain part, if any.")
    html: str | None = Field(description="The text/html part, if any.")
    links: list[str] = Field(
        description="http(s) URLs from the HTML part's href attributes, then from the text "
        "part; de-duplicated, in order."
    )

    @classmethod
    def of(cls, message: StoredMessage) -> Message:
        """The full view of a stored message (parses it if not cached: off the loop)."""
        content = message.content
        return cls(
            **_summary_fields(message),
            headers=content.headers,
            text=content.text,
            html=content.html,
            links=list(content.links),
        )

    def link_containing(self, fragment: str) -> str:
        """The first link that contains ``fragment``; raises LookupError if none does."""
        for link in self.links:
            if fragment in link:
                return link
        raise LookupError(f"no link containing {fragment!r} in message {self.id}: {self.links}")


class FaultSpec(BaseModel):
    """A failure to inject: the next ``times`` matching recipients get ``code message``."""

    recipient_prefix: str = Field(
        min_length=1,
        max_length=320,
        description="Start of the recipient address, compared ignoring case.",
    )
    code: int = Field(default=451, ge=400, le=599, description="SMTP reply code, 4xx or 5xx.")
    message: str | None = Field(
        default=None,
        max_length=200,
        pattern=r"^[^\r\n]*$",
        description="Reply text after the code; defaults by code class.",
    )
    times: int = Field(default=1, ge=1, le=10_000, description="How many recipients fail.")
    stage: Literal["rcpt", "data"] = Field(
        default="rcpt",
        description="Fail at RCPT TO, or after the data was sent (the message is not stored).",
    )


class Fault(BaseModel):
    """An injected fault in force."""

    id: int
    recipient_prefix: str
    code: int
    message: str
    remaining: int = Field(description="Failures left before the fault disappears.")
    stage: Literal["rcpt", "data"]


def _summary_fields(message: StoredMessage) -> dict[str, Any]:
    headline = message.headline
    return {
        "id": message.id,
        "received_at": message.received_at,
        "sender": headline.sender,
        "to": list(message.recipients),
        "subject": headline.subject,
        "message_id": headline.message_id,
        "envelope_from": message.envelope_from,
    }
