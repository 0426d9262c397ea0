"""CSV import: read a studio's clients from a file, check each row, publish ClientImported.

Columns (header row required; names case-insensitive, unknown columns ignored):
``external_client_id`` and ``given_name`` (required), ``family_name``, ``email`` or
``emails`` (several separated by ``;``), ``phone``. Every row is checked against the
contract before anything is published; rejected rows are reported with their line number
and why, the others are published (keyed by studio id, so they stay in order). Identity
handles a client once per studio and external id, so importing a file again is safe.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from frontdesk_contracts import ClientImported, new_event, to_record
from frontdesk_kit import idempotent_producer

from .common import BadArgument

REQUIRED = ("external_client_id", "given_name")
KNOWN = (*REQUIRED, "family_name", "email", "emails", "phone")
MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Rejected:
    """A row that will not be imported, and why."""

    line: int
    external_client_id: str
    reason: str


@dataclass
class Checked:
    """The file's rows: the events to publish and the rows rejected."""

    events: list[Any] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """The file's data rows with their line numbers; a file that is no usable CSV is refused."""
    if not path.is_file():
        raise BadArgument(f"{path}: no such file")
    if path.stat().st_size > MAX_BYTES:
        raise BadArgument(f"{path}: larger than {MAX_BYTES // (1024 * 1024)} MB; split it")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise BadArgument(f"{path}: not UTF-8 text; export the CSV as UTF-8") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise BadArgument(
            f"{path}: the header row lacks {', '.join(missing)} (columns: {', '.join(KNOWN)})"
        )
    rows = []
    for row in reader:
        clean = {
            (k or "").strip().lower(): (v or "").strip() if isinstance(v, str) else ""
            for k, v in row.items()
        }
        rows.append((reader.line_num, clean))
    if not rows:
        raise BadArgument(f"{path}: no rows below the header")
    return rows


def check(rows: list[tuple[int, dict[str, str]]], studio_id: str, import_id: str) -> Checked:
    """Build one ClientImported per valid row; reject invalid and repeated ones."""
    checked = Checked()
    seen: dict[str, int] = {}
    for line, row in rows:
        external = row.get("external_client_id", "")
        if external and external in seen:
            reason = f"external_client_id repeats line {seen[external]}"
            checked.rejected.append(Rejected(line, external, reason))
            continue
        emails = [e.strip() for e in (row.get("emails") or row.get("email") or "").split(";")]
        try:
            payload = ClientImported(
                studio_id=studio_id,
                import_id=import_id,
                external_client_id=external,
                given_name=row.get("given_name", ""),
                family_name=row.get("family_name") or None,
                emails=[e for e in emails if e],
                phone=row.get("phone") or None,
            )
        except ValidationError as error:
            checked.rejected.append(Rejected(line, external, _reason(error)))
            continue
        seen[external] = line
        checked.events.append(new_event(payload))
    return checked


def _reason(error: ValidationError) -> str:
    parts = []
    for problem in error.errors():
        where = ".".join(str(p) for p in problem["loc"]) or "row"
        parts.append(f"{where}: {problem['msg']}")
    return "; ".join(parts)


def check_studio(studio_id: str) -> str:
    """The studio id, checked as the contract checks it."""
    try:
        ClientImported(studio_id=studio_id, external_client_id="x", given_name="x")
    except ValidationError as error:
        if any(p["loc"] == ("studio_id",) for p in error.errors()):
            raise BadArgument(f"--studio {studio_id!r} is not a valid studio id") from None
    return studio_id


def new_import_id() -> str:
    """An id for this import run, for tracing."""
    return f"csv-{uuid.uuid4().hex[:12]}"


async def publish(
    bootstrap: str, topic_prefix: str, events: list[Any], advance: Callable[[int], None]
) -> int:
    """Publish the events to the import topic; call `advance(n)` as they are acknowledged."""
    producer = idempotent_producer(bootstrap, client_id="frontdesk-cli-import")
    await producer.start()
    try:
        chunk = 200
        for start in range(0, len(events), chunk):
            futures = []
            for event in events[start : start + chunk]:
                record = to_record(event)
                futures.append(
                    await producer.send(
                        topic_prefix + record.topic,
                        value=record.value,
                        key=record.key,
                        headers=list(record.headers),
                    )
                )
            for future in futures:
                await future
            advance(len(futures))
    finally:
        await producer.stop()
    return len(events)
