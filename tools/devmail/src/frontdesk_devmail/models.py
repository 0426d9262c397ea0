"""The JSON shapes of the devmail API, shared by the server and ``frontdesk_devmail.client``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

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


RecipientPrefix = Annotated[
    str,
    Field(
        max_length=320,
        description="Start of the recipient address, compared ignoring case; "
        "empty matches every recipient.",
    ),
]

MAX_FAULT_SECONDS = 86_400.0
MAX_HOLD_SECONDS = 240.0
"""Under aiosmtpd's 300 s idle timeout, which would otherwise close the held session."""
MAX_OUTAGE_SECONDS = 3_600.0


class FaultSpec(BaseModel):
    """A failure to inject: matching recipients get ``code message``, ``times`` times or
    for ``seconds``, whichever ends first.

    Without ``seconds``, ``times`` defaults to 1. With ``seconds`` and no
    ``times``, the count has no limit. ``times: null`` without ``seconds`` is
    refused: such a fault would never end.
    """

    recipient_prefix: RecipientPrefix
    code: int = Field(default=451, ge=400, le=599, description="SMTP reply code, 4xx or 5xx.")
    message: str | None = Field(
        default=None,
        max_length=200,
        pattern=r"^[^\r\n]*$",
        description="Reply text after the code; defaults by code class.",
    )
    times: int | None = Field(
        default=1,
        ge=1,
        le=10_000,
        description="How many recipients fail; 1 if absent without seconds, no limit if "
        "absent with seconds.",
    )
    seconds: float | None = Field(
        default=None,
        gt=0,
        le=MAX_FAULT_SECONDS,
        description="How long the fault is in force, however many recipients it hits.",
    )
    stage: Literal["rcpt", "data"] = Field(
        default="rcpt",
        description="Fail at RCPT TO, or after the data was sent (the message is not stored).",
    )

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        if self.seconds is not None and "times" not in self.model_fields_set:
            self.times = None
        if self.times is None and self.seconds is None:
            raise ValueError("give times, seconds or both: a fault with neither never ends")
        return self


class Fault(BaseModel):
    """An injected fault in force."""

    id: int
    recipient_prefix: str
    code: int
    message: str
    remaining: int | None = Field(description="Failures left; null: no limit on the count.")
    seconds_left: float | None = Field(
        default=None, description="Seconds until the fault ends; null: no limit in time."
    )
    stage: Literal["rcpt", "data"]


class HoldSpec(BaseModel):
    """Replies to hold: the next ``times`` messages to a matching recipient are stored, then
    their ``250`` waits ``hold_seconds``."""

    recipient_prefix: RecipientPrefix
    hold_seconds: float = Field(
        gt=0, le=MAX_HOLD_SECONDS, description="How long each reply is held after storing."
    )
    times: int = Field(default=1, ge=1, le=10_000, description="How many messages are held.")


class Hold(BaseModel):
    """A hold in force: replies left to hold, and the messages whose reply is held now."""

    id: int
    recipient_prefix: str
    hold_seconds: float
    remaining: int = Field(description="Messages still to be held.")
    held_message_ids: list[int] = Field(
        description="Stored messages whose 250 is being held right now, oldest first."
    )


class OutageSpec(BaseModel):
    """An SMTP outage: connections are refused for ``seconds``."""

    seconds: float = Field(
        gt=0, le=MAX_OUTAGE_SECONDS, description="How long connections are refused."
    )


class Outage(BaseModel):
    """Whether the SMTP listener refuses connections now."""

    refusing: bool
    seconds_left: float | None = Field(
        default=None, description="Seconds until it listens again; null when not refusing."
    )


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
