"""The base of every event payload, and the field types that payloads share."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    StringConstraints,
    WithJsonSchema,
)

Source = Literal["identity", "client-registry", "notifications", "platform"]
"""The service that publishes an event; ``"platform"`` is any service outside Frontdesk."""

SOURCES: tuple[Source, ...] = ("identity", "client-registry", "notifications", "platform")

EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$"
_EMAIL = re.compile(EMAIL_PATTERN)


def _check_email(value: str) -> str:
    if _EMAIL.fullmatch(value) is None:
        raise ValueError("value is not an email address")
    return value


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


EmailAddress = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254),
    AfterValidator(_check_email),
    WithJsonSchema(
        {"type": "string", "format": "email", "maxLength": 254, "pattern": EMAIL_PATTERN}
    ),
]
"""An email address, checked for shape only (one ``@``, a dotted domain, no spaces)."""

Identifier = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^\S+$")]
"""An id of an account, studio, admin, client record or proposal: 1-128 characters, no spaces."""

PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
"""A given or family name as the studio typed it."""

StudioName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
"""A studio's display name, for email texts."""

Username = Annotated[str, StringConstraints(min_length=1, max_length=64)]
"""A login name chosen by the client."""

UtcDateTime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""A timestamp with a time zone (RFC 3339), normalised to UTC."""


class EventPayload(BaseModel):
    """The typed payload of one event type in one schema version.

    A concrete payload class sets the class variables below; the envelope takes its
    type, version and source from them and its subject (and studio id) from the fields
    they name. Payloads ignore fields they do not know, so a consumer built on an older
    release keeps reading records written by a newer one.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    """The event's name, e.g. ``"PasswordResetRequested"``; the envelope's ``type``."""
    event_version: ClassVar[int]
    """The payload's schema version; the envelope's ``schema_version``."""
    source: ClassVar[Source]
    """The service that publishes this event."""
    subject_field: ClassVar[str]
    """The payload field that holds the envelope's subject (the account or client)."""
    studio_field: ClassVar[str | None] = None
    """The payload field that holds the envelope's studio id, if the event has one."""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "event_type" not in cls.__dict__:
            return  # an abstract base such as IdentityEvent
        for name in (cls.subject_field, cls.studio_field):
            if name is not None and name not in cls.model_fields:
                raise TypeError(f"{cls.__name__} names {name!r} but has no such field")

    def event_subject(self) -> str:
        """The value of the subject field: the account or client this event concerns."""
        return str(getattr(self, self.subject_field))

    def event_studio_id(self) -> str | None:
        """The value of the studio field, or None when the event has none."""
        if self.studio_field is None:
            return None
        value = getattr(self, self.studio_field)
        return None if value is None else str(value)
