"""Against the real notifications service and the dev inbox: resend sends exactly one
more email and records who asked; replaying the group after everything was handled
sends no email and changes no row."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer

from frontdesk_contracts import GROUP_NOTIFICATIONS, PasswordChanged, new_event, to_record
from frontdesk_testing import InboxClient, eventually, unique_address

from .cli import Cli
from .helpers import OPS_TOKEN, caught_up, snapshot

pytestmark = pytest.mark.integration


@pytest.fixture
def cli(kafka_bootstrap: str, topic_namespace: str, tmp_path: Path) -> Cli:
    return Cli(kafka_bootstrap, topic_namespace, tmp_path / "audit.jsonl")


async def _password_changed(producer: AIOKafkaProducer, prefix: str, email: str) -> Any:
    event = new_event(
        PasswordChanged(account_id=f"acc-{uuid.uuid4().hex[:8]}", email=email, via="settings")
    )
    record = to_record(event)
    await producer.send_and_wait(
        prefix + record.topic, value=record.value, key=record.key, headers=list(record.headers)
    )
    return event


async def _status(dsn: str, event_id: Any) -> list[tuple[str, str]]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT id::text, status FROM outgoing_messages WHERE event_id = $1", event_id
        )
    finally:
        await conn.close()
    return [(r["id"], r["status"]) for r in rows]


async def test_resend_sends_exactly_one_more_email(
    cli: Cli,
    serve: Callable[..., Any],
    producer: AIOKafkaProducer,
    topic_namespace: str,
    database: str,
    inbox: InboxClient,
) -> None:
    email = unique_address("resend")
    async with serve("notifications") as service:
        event = await _password_changed(producer, topic_namespace, email)

        async def sent() -> list[tuple[str, str]]:
            found = await _status(database, event.id)
            assert found and found[0][1] == "sent", found
            return found

        [(message_id, _)] = await eventually(sent, timeout=20)
        assert len(await inbox.messages(to=email)) == 1
        common = ["--url", service.url, "--ops-token", OPS_TOKEN]

        wrong = ["--url", service.url, "--ops-token", "w" * 40]
        refused = await cli("resend", "--message-id", message_id, *wrong, "--reason", "r", "--yes")
        assert refused.exit_code == 1 and "401" in refused.output
        unknown = await cli(
            "resend", "--message-id", str(uuid.uuid4()), *common, "--reason", "r", "--yes"
        )
        assert unknown.exit_code == 1 and "404" in unknown.output
        not_confirmed = await cli(
            "resend", "--event-id", str(event.id), *common, "--reason", "r", input="n\n"
        )
        assert not_confirmed.exit_code == 2

        result = await cli(
            "resend", "--event-id", str(event.id), *common, "--reason", "client lost it", "--yes"
        )
        assert result.exit_code == 0, result.output
        [line] = result.audit
        assert line["action"] == "resend" and line["original_id"] == message_id

        async def two() -> None:
            assert len(await inbox.messages(to=email)) == 2

        await eventually(two, timeout=20)
        await asyncio.sleep(1.5)  # nothing more arrives
        assert len(await inbox.messages(to=email)) == 2
        async with httpx.AsyncClient() as http:
            auth = {"Authorization": f"Bearer {OPS_TOKEN}"}
            metrics = (await http.get(f"{service.url}/metrics", headers=auth)).text
        assert "frontdesk_emails_sent 2.0" in metrics
        assert "frontdesk_emails_queued 0.0" in metrics

    conn = await asyncpg.connect(database)
    try:
        recorded = await conn.fetchrow("SELECT * FROM ops_resends")
    finally:
        await conn.close()
    assert recorded["operator"] == "test-operator" and recorded["reason"] == "client lost it"
    assert str(recorded["original_id"]) == message_id
    assert str(recorded["message_id"]) == line["new_message_id"]


async def test_replay_after_everything_was_handled_sends_no_email(
    cli: Cli,
    start: Callable[..., Any],
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    topic_namespace: str,
    database: str,
    inbox: InboxClient,
) -> None:
    email = unique_address("replay")
    async with start("notifications"):
        events = [await _password_changed(producer, topic_namespace, email) for _ in range(2)]

        async def both_sent() -> None:
            statuses = [s for e in events for _, s in await _status(database, e.id)]
            assert statuses == ["sent", "sent"]

        await eventually(both_sent, timeout=20)
        await caught_up(kafka_bootstrap, topic_namespace, GROUP_NOTIFICATIONS)
        assert len(await inbox.messages(to=email)) == 2
    before = await snapshot(database)

    group = topic_namespace + GROUP_NOTIFICATIONS
    replayed = await cli(
        "replay", "--group", group, "--by-duration", "1h", "--execute", "--yes", "--reason", "test"
    )
    assert replayed.exit_code == 0, replayed.output
    assert sum(p["reread"] for p in replayed.audit[0]["partitions"]) == 2

    async with start("notifications"):
        await caught_up(kafka_bootstrap, topic_namespace, GROUP_NOTIFICATIONS)
        await asyncio.sleep(1.0)  # give the sender loop a chance to misbehave
        assert len(await inbox.messages(to=email)) == 2
    assert await snapshot(database) == before
