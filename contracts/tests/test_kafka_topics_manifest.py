"""The Strimzi KafkaTopic manifest generated from the catalogue: committed, in sync,
the catalogue's topics exactly, and caught by ``--check`` when stale."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from frontdesk_contracts import all_topics
from frontdesk_contracts.generate import (
    ASYNCAPI_FILE,
    KAFKA_TOPICS_MANIFEST,
    SCHEMA_DIR,
    drift,
    kafka_topics_manifest,
    main,
)

CONTRACTS = Path(__file__).resolve().parents[1]
REPOSITORY = CONTRACTS.parent


def test_the_committed_manifest_matches_the_catalogue() -> None:
    assert drift(CONTRACTS, REPOSITORY) == [], "run make contracts and commit the result"


def test_every_catalogue_topic_is_one_kafka_topic_with_its_partitions_and_retention() -> None:
    resources = list(yaml.safe_load_all(kafka_topics_manifest()))

    assert [r["spec"]["topicName"] for r in resources] == [t.name for t in all_topics()]
    for resource, topic in zip(resources, all_topics(), strict=True):
        assert resource["apiVersion"] == "kafka.strimzi.io/v1beta2"
        assert resource["kind"] == "KafkaTopic"
        assert resource["metadata"]["name"] == topic.name
        assert resource["metadata"]["labels"] == {"strimzi.io/cluster": "frontdesk"}
        assert resource["spec"]["partitions"] == topic.partitions
        assert resource["spec"]["replicas"] == 3
        assert resource["spec"]["config"] == topic.config | {"min.insync.replicas": "2"}


@pytest.fixture
def copy_of_repository(tmp_path: Path) -> Path:
    """A throw-away repository holding the committed generated files."""
    contracts = tmp_path / "contracts"
    shutil.copytree(CONTRACTS / SCHEMA_DIR, contracts / SCHEMA_DIR)
    shutil.copy(CONTRACTS / ASYNCAPI_FILE, contracts / ASYNCAPI_FILE)
    manifest = tmp_path / KAFKA_TOPICS_MANIFEST
    manifest.parent.mkdir(parents=True)
    shutil.copy(REPOSITORY / KAFKA_TOPICS_MANIFEST, manifest)
    return tmp_path


def test_a_stale_manifest_fails_the_check_and_generating_repairs_it(
    copy_of_repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = copy_of_repository / KAFKA_TOPICS_MANIFEST
    manifest.write_text(manifest.read_text().replace("partitions: 6", "partitions: 12", 1))
    contracts = copy_of_repository / "contracts"
    options = ["--root", str(contracts), "--repository", str(copy_of_repository)]

    assert main(["--check", *options]) == 1
    assert f"{KAFKA_TOPICS_MANIFEST} is out of date" in capsys.readouterr().err

    assert main(options) == 0
    assert main(["--check", *options]) == 0
    assert manifest.read_text() == kafka_topics_manifest()


def test_a_missing_manifest_is_written(copy_of_repository: Path) -> None:
    manifest = copy_of_repository / KAFKA_TOPICS_MANIFEST
    shutil.rmtree(manifest.parent)
    contracts = copy_of_repository / "contracts"

    assert drift(contracts, copy_of_repository) == [f"{KAFKA_TOPICS_MANIFEST} is missing"]
    assert main(["--root", str(contracts), "--repository", str(copy_of_repository)]) == 0
    assert manifest.read_text() == kafka_topics_manifest()
