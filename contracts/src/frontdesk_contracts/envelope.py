"""The envelope every Frontdesk event travels in.

`Envelope[P]` is generic in its payload model, so a consumer gets a typed payload:
``Envelope[PasswordResetRequested].payload.reset_token`` type-checks. Producers build
one with `new_event`, which takes the type, version, source, subject and studio id from
the payload. The envelope ignores fields it does not know (forward compatibility).
"""

from __future__ import annotations

import builtins
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Self, TypeVar, cast
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from frontdesk_contracts.errors import UnexpectedEvent
from frontdesk_contracts.events.base import EventPayload, Identifier, Source, UtcDateTime
from frontdesk_contracts.ids import uuid7

P = TypeVar("P", bound=EventPayload)
Q = TypeVar("Q", bound=EventPayload)


def _check_uuid7(value: UUID) -> UUID:
    if value.version != 7:
        raise ValueError("event id must be a UUID version 7")
    return value


EventId = Annotated[UUID, AfterValidator(_check_uuid7)]
"""A UUIDv7 event id (time-ordered)."""


class Envelope(BaseModel, Generic[P]):
    """One event: who says what happened to whom, when, why, and the typed payload."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: EventId = Field(description="Unique, time-ordered event id (UUIDv7).")
    type: str = Field(
        pattern=r"^[A-Z][A-Za-z0-9]{0,99}$", description="Event type, e.g. PasswordChanged."
    )
    schema_version: int = Field(ge=1, description="Version of the payload schema.")
    source: Source = Field(description="The publishing service; 'platform' for inbound.")
    time: UtcDateTime = Field(description="When it happened (RFC 3339, UTC).")
    subject: Identifier = Field(description="The account or client the event concerns.")
    studio_id: Identifier | None = Field(default=None, description="The studio, if any.")
    correlation_id: Identifier = Field(
        description="Shared by every event of one user action; the first event's id."
    )
    causation_id: Identifier | None = Field(
        default=None, description="Id of the event (or request) that caused this one."
    )
    payload: P

    @model_validator(mode="after")
    def _agrees_with_payload(self) -> Self:
        payload = self.payload
        expected: dict[str, object] = {
            "type": payload.event_type,
            "schema_version": payload.event_version,
            "source": payload.source,
            "subject": payload.event_subject(),
            "studio_id": payload.event_studio_id(),
        }
        for field, value in expected.items():
            actual = getattr(self, field)
            if actual != value:
                raise PydanticCustomError(
                    "envelope_mismatch",
                    f"{field} is {actual!r} but the payload says {value!r}",
                    {"field": field},
                )
        return self

    def narrow(self, payload_type: builtins.type[Q]) -> Envelope[Q]:
        """This envelope, typed for `payload_type`; raises `UnexpectedEvent` otherwise."""
        if not isinstance(self.payload, payload_type):
            raise UnexpectedEvent(
                f"expected {payload_type.event_type} v{payload_type.event_version}, "
                f"got {self.type} v{self.schema_version}"
            )
        return cast("Envelope[Q]", self)

    def to_json(self) -> bytes:
        """The envelope as compact UTF-8 JSON: the Kafka record value."""
        return self.model_dump_json(serialize_as_any=True).encode("utf-8")


def envelope_model(payload_type: type[P]) -> type[Envelope[P]]:
    """The concrete `Envelope[payload_type]` model, for validation and JSON Schema."""
    return cast("type[Envelope[P]]", cast(Any, Envelope)[payload_type])


def new_event(
    payload: P,
    *,
    cause: Envelope[Any] | None = None,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    time: datetime | None = None,
    event_id: UUID | None = None,
) -> Envelope[P]:
    """Wrap `payload` in a new envelope.

    Pass the event being handled as `cause`: the new event shares its correlation id and
    names it as causation. Without a cause, pass the request's ids, or the new event
    starts its own correlation (its id).
    """
    new_id = event_id or uuid7()
    if cause is not None:
        correlation_id = correlation_id or cause.correlation_id
        causation_id = causation_id or str(cause.id)
    return envelope_model(type(payload))(
        id=new_id,
        type=payload.event_type,
        schema_version=payload.event_version,
        source=payload.source,
        time=time or datetime.now(UTC),
        subject=payload.event_subject(),
        studio_id=payload.event_studio_id(),
        correlation_id=correlation_id or str(new_id),
        causation_id=causation_id,
        payload=payload,
    )
