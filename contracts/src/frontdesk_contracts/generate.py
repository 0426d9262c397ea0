"""Write (or check) the generated contract files: ``python -m frontdesk_contracts.generate``.

Writes ``schemas/<Type>.v<N>.schema.json`` for every event version, the access-token
claims' ``schemas/AccessTokenClaims.v<N>.schema.json`` and ``asyncapi.json``
under the contracts directory (the one holding this package's pyproject.toml, or
``--root``), and the Strimzi ``KafkaTopic`` resources of every catalogue topic in the
repository's ``deploy/k8s/base/kafka-topics.yaml`` (the repository around the contracts
directory, or ``--repository``; none when only ``--root`` is given). With ``--check`` it
writes nothing and exits 1 when the files on disk differ from what the code generates.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from frontdesk_contracts.catalogue import TopicSpec, all_topics
from frontdesk_contracts.schema import asyncapi_document, contract_schemas

SCHEMA_DIR = "schemas"
RELEASED_DIR = "released"
ASYNCAPI_FILE = "asyncapi.json"
FIX_HINT = "run `make contracts` (python -m frontdesk_contracts.generate) and commit the result"

KAFKA_TOPICS_MANIFEST = "deploy/k8s/base/kafka-topics.yaml"
"""The topics as Strimzi resources, relative to the repository root."""
KAFKA_CLUSTER = "frontdesk"
"""The Strimzi ``Kafka`` resource the topics belong to (label ``strimzi.io/cluster``)."""
TOPIC_REPLICAS = 3
MIN_INSYNC_REPLICAS = 2
"""With acks=all (every producer here is idempotent), a write needs two of the three
replicas: one broker may be down, or restarting in a rolling update, and none is lost."""


def render(document: Any) -> str:
    """The stable text of a generated file: sorted keys, two-space indent, final newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def generated_files() -> dict[str, str]:
    """Every generated file's text, by path relative to the contracts directory."""
    files = {f"{SCHEMA_DIR}/{name}": render(schema) for name, schema in contract_schemas().items()}
    files[ASYNCAPI_FILE] = render(asyncapi_document())
    return files


def kafka_topic(spec: TopicSpec) -> str:
    """One topic as a Strimzi ``KafkaTopic`` (kafka.strimzi.io/v1beta2), as YAML text.

    ``topicName`` is set even though it equals the resource name, so a kustomize
    ``namePrefix`` renames the resource but never the topic. Strings are written as
    JSON strings, which YAML reads as the same strings (no PyYAML needed here).
    """
    config = spec.config | {"min.insync.replicas": str(MIN_INSYNC_REPLICAS)}
    lines = [
        "apiVersion: kafka.strimzi.io/v1beta2",
        "kind: KafkaTopic",
        "metadata:",
        f"  name: {json.dumps(spec.name)}",
        "  labels:",
        f"    strimzi.io/cluster: {json.dumps(KAFKA_CLUSTER)}",
        "spec:",
        f"  topicName: {json.dumps(spec.name)}",
        f"  partitions: {spec.partitions}",
        f"  replicas: {TOPIC_REPLICAS}",
        "  config:",
        *(f"    {name}: {json.dumps(value)}" for name, value in sorted(config.items())),
    ]
    return "\n".join(lines) + "\n"


def kafka_topics_manifest() -> str:
    """Every topic of the catalogue, dead-letter topics included, as one YAML stream."""
    header = (
        "# Generated from the topic catalogue (frontdesk_contracts.catalogue) by\n"
        "# `python -m frontdesk_contracts.generate`: do not edit; `make lint` fails when stale.\n"
    )
    return header + "---\n".join(kafka_topic(spec) for spec in all_topics())


def repository_files() -> dict[str, str]:
    """The generated files outside the contracts directory, by path from the repository."""
    return {KAFKA_TOPICS_MANIFEST: kafka_topics_manifest()}


def default_root() -> Path:
    """The contracts directory of a source checkout (where pyproject.toml sits)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "pyproject.toml").is_file():
        raise SystemExit("cannot find the contracts directory; pass --root")
    return root


def _differences(root: Path, expected: dict[str, str]) -> list[str]:
    problems = []
    for path, text in sorted(expected.items()):
        target = root / path
        if not target.is_file():
            problems.append(f"{path} is missing")
        elif target.read_text(encoding="utf-8") != text:
            problems.append(f"{path} is out of date")
    return problems


def drift(root: Path, repository: Path | None = None) -> list[str]:
    """How the files under `root` (and `repository`'s, when given) differ from the
    generated ones (empty when in sync)."""
    expected = generated_files()
    problems = _differences(root, expected)
    if repository is not None:
        problems += _differences(repository, repository_files())
    for stale in sorted((root / SCHEMA_DIR).glob("*.schema.json")):
        if f"{SCHEMA_DIR}/{stale.name}" not in expected:
            problems.append(f"{SCHEMA_DIR}/{stale.name} is not generated any more")
    return problems


def _write_files(root: Path, expected: dict[str, str]) -> list[str]:
    changed = []
    for path, text in sorted(expected.items()):
        target = root / path
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            changed.append(f"wrote {path}")
    return changed


def write(root: Path, repository: Path | None = None) -> list[str]:
    """Write every generated file under `root` (and `repository`'s, when given), remove
    stale schemas; return what changed."""
    (root / SCHEMA_DIR).mkdir(parents=True, exist_ok=True)
    expected = generated_files()
    changed = _write_files(root, expected)
    if repository is not None:
        changed += _write_files(repository, repository_files())
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
    parser.add_argument(
        "--repository",
        type=Path,
        help="the repository whose deploy/ gets the topics (default: the one around the "
        "contracts directory, unless --root is given)",
    )
    args = parser.parse_args(argv)
    root = args.root or default_root()
    repository = args.repository or (None if args.root else root.parent)
    if args.check:
        problems = drift(root, repository)
        for problem in problems:
            print(f"contracts drift: {problem}", file=sys.stderr)
        if problems:
            print(f"generated contract files are out of date: {FIX_HINT}", file=sys.stderr)
        return 1 if problems else 0
    for change in write(root, repository):
        print(change)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
