"""Write (or check) the generated contract files: ``python -m frontdesk_contracts.generate``.

Writes ``schemas/<Type>.v<N>.schema.json`` for every event version, the access-token
claims' ``schemas/AccessTokenClaims.v<N>.schema.json`` and ``asyncapi.json``
under the contracts directory (the one holding this package's pyproject.toml, or
``--root``). With ``--check`` it writes nothing and exits 1 when the files on disk
differ from what the code generates.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from frontdesk_contracts.schema import asyncapi_document, contract_schemas

SCHEMA_DIR = "schemas"
RELEASED_DIR = "released"
ASYNCAPI_FILE = "asyncapi.json"
FIX_HINT = "run `make contracts` (python -m frontdesk_contracts.generate) and commit the result"


def render(document: Any) -> str:
    """The stable text of a generated file: sorted keys, two-space indent, final newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def generated_files() -> dict[str, str]:
    """Every generated file's text, by path relative to the contracts directory."""
    files = {f"{SCHEMA_DIR}/{name}": render(schema) for name, schema in contract_schemas().items()}
    files[ASYNCAPI_FILE] = render(asyncapi_document())
    return files


def default_root() -> Path:
    """The contracts directory of a source checkout (where pyproject.toml sits)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "pyproject.toml").is_file():
        raise SystemExit("cannot find the contracts directory; pass --root")
    return root


def drift(root: Path) -> list[str]:
    """How the files under `root` differ from the generated ones (empty when in sync)."""
    expected = generated_files()
    problems = []
    for path, text in sorted(expected.items()):
        target = root / path
        if not target.is_file():
            problems.append(f"{path} is missing")
        elif target.read_text(encoding="utf-8") != text:
            problems.append(f"{path} is out of date")
    for stale in sorted((root / SCHEMA_DIR).glob("*.schema.json")):
        if f"{SCHEMA_DIR}/{stale.name}" not in expected:
            problems.append(f"{SCHEMA_DIR}/{stale.name} is not generated any more")
    return problems


def write(root: Path) -> list[str]:
    """Write every generated file under `root`, remove stale schemas; return what changed."""
    changed = []
    (root / SCHEMA_DIR).mkdir(parents=True, exist_ok=True)
    expected = generated_files()
    for path, text in sorted(expected.items()):
        target = root / path
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            changed.append(f"wrote {path}")
    for stale in sorted((root / SCHEMA_DIR).glob("*.schema.json")):
        if f"{SCHEMA_DIR}/{stale.name}" not in expected:
            stale.unlink()
            changed.append(f"removed {SCHEMA_DIR}/{stale.name}")
    return changed


def load_schemas(directory: Path) -> dict[str, dict[str, Any]]:
    """The JSON Schemas in `directory` (e.g. ``released/``), by file name."""
    return {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(directory.glob("*.schema.json"))
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m frontdesk_contracts.generate")
    parser.add_argument("--check", action="store_true", help="fail if files are out of date")
    parser.add_argument("--root", type=Path, help="the contracts directory")
    args = parser.parse_args(argv)
    root = args.root or default_root()
    if args.check:
        problems = drift(root)
        for problem in problems:
            print(f"contracts drift: {problem}", file=sys.stderr)
        if problems:
            print(f"generated contract files are out of date: {FIX_HINT}", file=sys.stderr)
        return 1 if problems else 0
    for change in write(root):
        print(change)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
