"""The development inbox, as tests and the demo read it: devmail's own client, re-exported.

    async with InboxClient(inbox_url) as inbox:
        mail = await inbox.wait_for(unique_address("ada"), subject_contains="login", timeout=30)
        link = mail.link_containing("/links/create-login")

Each test writes to addresses of its own (`unique_address`), so no test sees another's
mail; `wait_for` returns the oldest match, so pass `since_id=` to get the next one.

The client also switches devmail's faults (`add_fault`, `hold_replies`,
`refuse_connections`; `clear_faults` ends them all): see tools/devmail's README.
"""

from __future__ import annotations

import uuid

from frontdesk_devmail.client import (
    DevmailError,
    HoldEndedError,
    InboxClient,
    MessageNotFoundError,
    MessageWaitTimeoutError,
)
from frontdesk_devmail.models import Fault, Hold, Message, MessageSummary, Outage

__all__ = [
    "DevmailError",
    "Fault",
    "Hold",
    "HoldEndedError",
    "InboxClient",
    "Message",
    "MessageNotFoundError",
    "MessageSummary",
    "MessageWaitTimeoutError",
    "Outage",
    "unique_address",
]


def unique_address(label: str, domain: str = "example.test") -> str:
    """An address no other test or run uses: `<label>.<12 hex>@<domain>`."""
    return f"{label}.{uuid.uuid4().hex[:12]}@{domain}"
