"""migrations.load: a folder of NNNN_name.sql files, read in order, malformed folders refused.

Applying migrations needs PostgreSQL and is covered by the integration tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from frontdesk_kit import KIT_MIGRATIONS, MigrationError
from frontdesk_kit.migrations import load


def folder(tmp_path: Path, *names: str) -> Path:
    """A migrations folder holding `names`, each file's SQL naming the file."""
    for name in names:
        (tmp_path / name).write_text(f"-- {name}\nSELECT 1;\n")
    return tmp_path


def test_migrations_load_in_numeric_order(tmp_path: Path) -> None:
    """Files come back sorted by number with their version, name and SQL."""
    path = folder(tmp_path, "0003_add_index.sql", "0001_create_accounts.sql", "0002_add_email.sql")

    migrations = load("identity", path)

    assert [(m.component, m.version, m.name) for m in migrations] == [
        ("identity", 1, "create_accounts"),
        ("identity", 2, "add_email"),
        ("identity", 3, "add_index"),
    ]
    assert migrations[0].sql.startswith("-- 0001_create_accounts.sql")


def test_the_checksum_changes_when_a_file_is_edited(tmp_path: Path) -> None:
    """What lets `migrate` refuse an applied file that was edited afterwards."""
    path = folder(tmp_path, "0001_create_accounts.sql")
    before = load("identity", path)[0].checksum

    (path / "0001_create_accounts.sql").write_text("SELECT 2;\n")

    assert load("identity", path)[0].checksum != before
    assert load("identity", path)[0].checksum == load("identity", path)[0].checksum


@pytest.mark.parametrize(
    ("names", "found"),
    [
        pytest.param(("0001_a.sql", "0003_c.sql"), "[1, 3]", id="gap"),
        pytest.param(("0001_a.sql", "0001_b.sql"), "[1, 1]", id="duplicate"),
        pytest.param(("0002_b.sql",), "[2]", id="not-starting-at-1"),
    ],
)
def test_a_misnumbered_folder_is_refused(
    tmp_path: Path, names: tuple[str, ...], found: str
) -> None:
    """The error names the component, the rule and the numbers it found."""
    with pytest.raises(MigrationError) as refused:
        load("identity", folder(tmp_path, *names))

    assert str(refused.value) == f"identity: migrations must be numbered 1..n, found {found}"


@pytest.mark.parametrize(
    "bad_name", ["1_init.sql", "0001-init.sql", "0001_Init.sql", "00001_init.sql", "0001_.sql"]
)
def test_a_badly_named_file_is_refused(tmp_path: Path, bad_name: str) -> None:
    """The error names the file and the expected pattern."""
    path = folder(tmp_path, "0001_init.sql", bad_name)

    with pytest.raises(MigrationError) as refused:
        load("identity", path)

    assert str(refused.value) == f"{bad_name}: migration files are named NNNN_name.sql"


def test_the_kits_own_migrations_load() -> None:
    """KIT_MIGRATIONS ships with the package: the outbox and handled-events tables."""
    kit, *later = load("kit", KIT_MIGRATIONS)

    assert (kit.version, kit.name) == (1, "kit")
    assert [m.version for m in later] == list(range(2, len(later) + 2))
    for table in ("outbox", "outbox_lanes", "handled_events"):
        assert f"CREATE TABLE {table} " in kit.sql


def test_a_missing_folder_is_refused(tmp_path: Path) -> None:
    """A typo in a service's migrations path must not look like 'no migrations'."""
    with pytest.raises(MigrationError):
        load("identity", tmp_path / "no-such-folder")
