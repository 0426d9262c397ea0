"""CSV import: rows checked against the contract, rejected rows explained, bad files refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontdesk_cli.common import BadArgument
from frontdesk_cli.importer import check, check_studio, read_rows


def _write(tmp_path: Path, text: str, name: str = "c.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_rows_become_client_imported_events(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "External_Client_ID,given_name,family_name,emails,phone,notes\n"
        "c-1,Ada,Lovelace,ada@example.test;a@example.test,+44 1234,vip\n",
    )
    checked = check(read_rows(path), "studio-1", "run-1")
    [event] = checked.events
    assert event.type == "ClientImported"
    assert event.payload.studio_id == "studio-1" and event.payload.import_id == "run-1"
    assert [str(e) for e in event.payload.emails] == ["ada@example.test", "a@example.test"]
    assert checked.rejected == []


def test_rejected_rows_say_line_and_why(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "external_client_id,given_name,email\n"
        "c-1,Ada,ada@example.test\n"
        ",NoId,x@example.test\n"
        "c-2,,y@example.test\n"
        "c-3,Bad,not-an-email\n"
        "c-1,Dup,z@example.test\n",
    )
    checked = check(read_rows(path), "studio-1", "run-1")
    assert len(checked.events) == 1
    reasons = {r.line: r.reason for r in checked.rejected}
    assert sorted(reasons) == [3, 4, 5, 6]
    assert "external_client_id" in reasons[3]
    assert "given_name" in reasons[4]
    assert "emails" in reasons[5]
    assert "repeats line 2" in reasons[6]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("given_name\nAda\n", "lacks external_client_id"),
        ("external_client_id,given_name\n", "no rows"),
        ("", "lacks external_client_id"),
    ],
)
def test_unusable_files_are_refused(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(BadArgument, match=message):
        read_rows(_write(tmp_path, content))


def test_missing_and_non_utf8_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(BadArgument, match="no such file"):
        read_rows(tmp_path / "missing.csv")
    path = tmp_path / "latin1.csv"
    path.write_bytes("external_client_id,given_name\nc-1,Zo\xe9\n".encode("latin-1"))
    with pytest.raises(BadArgument, match="UTF-8"):
        read_rows(path)


def test_studio_id_is_checked() -> None:
    assert check_studio("studio-1") == "studio-1"
    with pytest.raises(BadArgument):
        check_studio("")
