"""Events published by notifications on ``frontdesk.notifications.v1``, keyed by account id.

Notifications sends the emails that identity's and client-registry's events ask for
and reports what became of each message. Identity consumes these events to show an
admin what became of a client's emails; support tools and audits read them too.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field

from frontdesk_contracts.events.base import EmailAddress, EventPayload, Identifier

EmailKind = Literal[
    "create_login",
    "password_reset",
    "email_verification",
    "password_changed",
    "accounts_merged",
    "signup_attempt_existing_login",
    "login_ready",
]
"""Which email it was: the template, not the text."""


class EmailEvent(EventPayload):
    """Base of notifications' events: one outgoing message and the event that caused it."""

    source = "notifications"
    subject_field = "account_id"

    message_id: Identifier = Field(description="Notifications' id of the outgoing message.")
    account_id: Identifier = Field(description="The account the email was for.")
    recipient: EmailAddress
    kind: EmailKind
    cause_event_id: UUID = Field(description="The id of the event that asked for the email.")
    cause_event_type: str = Field(min_length=1, max_length=100)


class EmailSent(EmailEvent):
    """The SMTP server accepted the message.

    Emitted by notifications after it recorded the acceptance. Consumed by identity,
    whose access view shows it to admins; support tools show it too ("the reset email
    went out at ...").
    """

    event_type = "EmailSent"
    event_version = 1

    attempts: int = Field(ge=1, description="Delivery attempts it took, this one included.")


class EmailFailed(EmailEvent):
    """The message could not be delivered to the SMTP server.

    Emitted by notifications after an attempt failed; `permanent` says it gave up (a
    5xx answer, or retries exhausted), otherwise it will try again. Consumed by
    identity, whose access view shows it to admins; support tools and alerts read it.
    """

    event_type = "EmailFailed"
    event_version = 1

    reason: str = Field(min_length=1, max_length=1000, description="The SMTP answer or error.")
    permanent: bool
    attempts: int = Field(ge=1)


class EmailSuppressed(EmailEvent):
    """Notifications decided not to send the message.

    Emitted by notifications when the recipient is on its suppression list (bounces,
    complaints), when the email's link was superseded or had expired before it went out
    (``expired``), or when the recipient's rate limit was reached (``rate_limited``).
    Consumed by identity, whose access view shows it to admins; support tools read it.
    """

    event_type = "EmailSuppressed"
    event_version = 1

    reason: Literal[
        "bounced",
        "complained",
        "unsubscribed",
        "superseded",
        "duplicate",
        "expired",
        "rate_limited",
    ]
    permanent: bool = Field(description="True when later emails to the address are also held.")
