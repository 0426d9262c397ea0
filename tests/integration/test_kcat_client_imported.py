"""A ClientImported record published with kcat, as contracts/README.md shows, reads back
through `from_record` as the typed event.

The test runs the README's own command (contracts/examples/publish_client_imported.sh),
as written, from the repository root, with the `kcat` on PATH against the broker of
`make up`; only the topic is its own (`TOPIC`), so the stack's imports see nothing.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from frontdesk_contracts import ClientImported, from_record, header_value, uuid7_time_ms

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "contracts" / "README.md").read_text(encoding="utf-8")
RUN_AS = "contracts/examples/publish_client_imported.sh"
SCRIPT_DEFAULT_BROKER = "127.0.0.1:19092"


@pytest.fixture
async def kcat_topic(kafka_bootstrap: str) -> AsyncIterator[str]:
    """A fresh, uniquely named topic, deleted after the test."""
    name = f"test.kcat-client-imported.{uuid.uuid4().hex[:12]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])
        yield name
        await admin.delete_topics([name])
    finally:
        await admin.close()


async def _run_readme_command(bootstrap: str, topic: str, external_client_id: str) -> str:
    assert shutil.which("kcat") is not None, "kcat is not on PATH (Debian: apt-get install kcat)"
    assert f"```bash\n{RUN_AS}\n```" in README, "the README shows how to run the script"
    environment = {k: v for k, v in os.environ.items() if k != "BOOTSTRAP"}
    environment |= {
        "TOPIC": topic,
        "STUDIO_ID": "studio-kcat",
        "EXTERNAL_CLIENT_ID": external_client_id,
    }
    if bootstrap != SCRIPT_DEFAULT_BROKER:  # FRONTDESK_KAFKA_PORT moved it: as the README says
        environment["BOOTSTRAP"] = bootstrap
    process = await asyncio.create_subprocess_exec(
        "bash",
        "-c",
        RUN_AS,
        cwd=REPO,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, f"kcat script failed: {stderr.decode()}"
    return stdout.decode()


async def test_a_client_imported_published_with_kcat_reads_back_typed(
    kafka_bootstrap: str, kcat_topic: str
) -> None:
    external_client_id = f"crm-{uuid.uuid4().hex[:8]}"
    output = await _run_readme_command(kafka_bootstrap, kcat_topic, external_client_id)

    consumer = AIOKafkaConsumer(
        kcat_topic,
        bootstrap_servers=kafka_bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        message = await asyncio.wait_for(consumer.getone(), timeout=30)
    finally:
        await consumer.stop()

    event = from_record(message.value, message.headers)
    imported = event.narrow(ClientImported).payload
    assert message.key == b"studio-kcat"
    assert (event.type, event.schema_version, event.source) == ("ClientImported", 1, "platform")
    assert (event.subject, event.studio_id) == (external_client_id, "studio-kcat")
    assert event.id.version == 7 and str(event.id) in output
    assert abs(uuid7_time_ms(event.id) - event.time.timestamp() * 1000) < 5_000
    assert event.correlation_id == str(event.id) and event.causation_id is None
    assert imported.studio_id == "studio-kcat"
    assert imported.external_client_id == external_client_id
    assert (imported.given_name, imported.family_name) == ("Ada", "Lovelace")
    assert imported.emails == ["ada@example.com"]
    assert imported.phone == "+44 20 7946 0000"
    assert imported.import_id == "csv-upload-7"
    assert imported.imported_at == event.time
    assert header_value(message.headers, "ce_type") == "ClientImported"
    assert header_value(message.headers, "ce_specversion") == "1.0"
    assert header_value(message.headers, "content-type") == "application/json"
    traceparent = header_value(message.headers, "traceparent")
    assert traceparent is not None and len(traceparent.split("-")) == 4
