"""Kafka: identity's events, handed to the use cases that act on them."""

from __future__ import annotations

from typing import Any

from frontdesk_contracts import (
    AccountCreatedByAdmin,
    AccountImported,
    Envelope,
    FirstLogin,
    SessionsRevoked,
    SignupCompleted,
    SignupMatchedExisting,
)
from frontdesk_kit import EventConsumer
from frontdesk_registry import handlers


def subscribe_identity_events(consumer: EventConsumer, topic: str, reg: handlers.Registry) -> None:
    """Act on identity's events: file records, note proofs and logins, propose merges."""

    async def on_identity_event(event: Envelope[Any]) -> None:
        match event.payload:
            case AccountImported() | AccountCreatedByAdmin():
                await handlers.file_client_record(reg, event)
            case SignupMatchedExisting():
                await handlers.propose_merges(reg, event)
            case SignupCompleted():
                await handlers.note_verified_email(reg, event)
            case FirstLogin():
                await handlers.note_first_login(reg, event)
            case SessionsRevoked():
                await handlers.note_sessions_revoked(reg, event)
            case _:
                pass  # identity's other events concern the emails, not the registry

    consumer.subscribe([topic], on_identity_event)
