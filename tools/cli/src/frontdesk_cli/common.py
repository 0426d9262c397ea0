"""What every command shares: the global options, argument parsing, and clear failures.

Bad arguments raise `BadArgument` before anything is contacted or changed; the app
turns it into a one-line message and exit code 2. A failure found while working
(a group still has members, Kafka unreachable) is `OpsFailure`, exit code 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from frontdesk_contracts import GROUP_CLIENT_REGISTRY, GROUP_IDENTITY, GROUP_NOTIFICATIONS

from .audit import Actor

SERVICE_GROUPS = {
    "identity": GROUP_IDENTITY,
    "notifications": GROUP_NOTIFICATIONS,
    "client-registry": GROUP_CLIENT_REGISTRY,
}


class BadArgument(Exception):
    """The command line asks for something invalid; nothing was done (exit code 2)."""


class OpsFailure(Exception):
    """The command could not do its work; what it says is what to fix (exit code 1)."""


@dataclass(frozen=True)
class Options:
    """The global options (``frontdesk --bootstrap ... <command>``)."""

    bootstrap: str
    topic_prefix: str
    operator: str
    audit_log: Path | None

    def actor(self, reason: str | None, *, required: bool) -> Actor:
        """Who and why; a destructive action without a reason is a bad argument."""
        why = (reason or "").strip()
        if required and not why:
            raise BadArgument("--reason is required: say why you are doing this")
        if not self.operator.strip():
            raise BadArgument("--operator is empty and $USER is not set: say who you are")
        return Actor(self.operator.strip(), why)


def group_of(service: str | None, group: str | None) -> str:
    """The consumer group named by ``--service`` (catalogue) or ``--group`` (explicit)."""
    if (service is None) == (group is None):
        raise BadArgument("give exactly one of --service or --group")
    if group is not None:
        if not group.strip():
            raise BadArgument("--group is empty")
        return group
    assert service is not None
    if service not in SERVICE_GROUPS:
        raise BadArgument(
            f"unknown service {service!r}: choose one of {', '.join(sorted(SERVICE_GROUPS))}"
        )
    return SERVICE_GROUPS[service]


_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_ISO_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def parse_duration(text: str) -> timedelta:
    """``90m``, ``2h30m``, ``1d``, ``45s`` or ISO 8601 ``PT1H30M`` / ``P1DT2H`` (as Kafka)."""
    value = text.strip()
    match = _DURATION.fullmatch(value) or _ISO_DURATION.fullmatch(value.upper())
    if not value or match is None or not any(match.groups()) or value.upper() in ("P", "PT"):
        raise BadArgument(f"--by-duration {text!r}: use e.g. 90m, 2h, 1d or PT1H30M")
    days, hours, minutes, seconds = (float(part or 0) for part in match.groups())
    duration = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if duration <= timedelta(0):
        raise BadArgument(f"--by-duration {text!r} must be longer than zero")
    return duration


def parse_datetime(text: str) -> datetime:
    """An ISO 8601 time with a zone (``2026-11-27T05:00:00Z``); naive times are refused,
    since guessing the operator's zone would rewind to the wrong hour."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadArgument(
            f"{text!r} is not a time: use ISO 8601 with a zone, e.g. 2026-11-27T05:00:00Z"
        ) from None
    if value.tzinfo is None:
        raise BadArgument(f"{text!r} has no time zone: add Z or +HH:MM")
    return value.astimezone(UTC)


def parse_topic(spec: str) -> tuple[str, list[int] | None]:
    """``topic`` (every partition) or ``topic:0,2`` (chosen partitions)."""
    name, _, parts = spec.partition(":")
    if not name.strip():
        raise BadArgument(f"--topic {spec!r}: no topic name")
    if not _:
        return name, None
    try:
        partitions = sorted({int(p) for p in parts.split(",") if p.strip()})
    except ValueError:
        raise BadArgument(f"--topic {spec!r}: partitions must be numbers, e.g. topic:0,2") from None
    if not partitions or min(partitions) < 0:
        raise BadArgument(f"--topic {spec!r}: give partitions as topic:0,2")
    return name, partitions
