"""Republish emits one account's published events again, with the same event ids (so a
consumer that kept its handled-event records skips them, one that lost them re-applies)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from frontdesk_contracts import from_record

from .cli import Cli
from .helpers import OPS_TOKEN

pytestmark = pytest.mark.integration

IDENTITY_TOPIC = "frontdesk.identity.v1"


@pytest.fixture
def cli(kafka_bootstrap: str, topic_namespace: str, tmp_path: Path) -> Cli:
    return Cli(kafka_bootstrap, topic_namespace, tmp_path / "audit.jsonl")


async def test_republish_one_account_sends_the_same_events_again(
    cli: Cli,
    serve: Callable[..., Any],
    topic_namespace: str,
    read_topic: Callable[..., Awaitable[list[Any]]],
    tmp_path: Path,
) -> None:
    csv_file = tmp_path / "c.csv"
    csv_file.write_text("external_client_id,given_name\nc-1,Ada\nc-2,Grace\n")
    topic = topic_namespace + IDENTITY_TOPIC
    async with serve("identity") as service:
        assert (await cli("import", str(csv_file), "--studio", "studio-r")).exit_code == 0
        first = [from_record(r.value, list(r.headers)) for r in await read_topic(topic, 2)]
        assert sorted(e.type for e in first) == ["AccountImported", "AccountImported"]
        chosen = first[0]
        common = ["--service", "identity", "--url", service.url, "--ops-token", OPS_TOKEN]

        dry = await cli(
            "republish", *common, "--account", chosen.subject, "--dry-run", "--reason", "r"
        )
        assert dry.exit_code == 0, dry.output
        assert dry.audit[0]["matched"] == 1 and dry.audit[0]["republished"] == 0

        unauthorised = await cli(
            "republish", "--service", "identity", "--url", service.url,
            "--ops-token", "x" * 40, "--account", chosen.subject, "--reason", "r", "--yes",
        )  # fmt: skip
        assert unauthorised.exit_code == 1 and "401" in unauthorised.output

        done = await cli(
            "republish",
            *common,
            "--account",
            chosen.subject,
            "--reason",
            "registry lost it",
            "--yes",
        )
        assert done.exit_code == 0, done.output
        [line] = done.audit
        assert line["republished"] == 1 and line["reason"] == "registry lost it"
        after = [from_record(r.value, list(r.headers)) for r in await read_topic(topic, 3)]
    assert len(after) == 3
    again = [e for e in after if e.id == chosen.id]
    assert len(again) == 2  # the very same event, twice: consumers' idempotency still holds


async def test_the_ops_api_is_off_without_a_token(serve: Callable[..., Any]) -> None:
    body = {"operator": "me", "reason": "r", "account_id": "a"}
    async with serve("identity", ops_token=None) as disabled, httpx.AsyncClient() as http:
        answer = await http.post(f"{disabled.url}/ops/republish", json=body)
        assert answer.status_code == 503
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert "OPS_TOKEN" in answer.json()["detail"]


async def test_the_ops_api_refuses_bad_tokens_and_bodies(serve: Callable[..., Any]) -> None:
    body = {"operator": "me", "reason": "r", "account_id": "a"}
    async with serve("client-registry") as service, httpx.AsyncClient() as http:
        url, auth = f"{service.url}/ops/republish", {"Authorization": f"Bearer {OPS_TOKEN}"}
        assert (await http.post(url, json=body)).status_code == 401
        no_filter = await http.post(url, json={"operator": "me", "reason": "r"}, headers=auth)
        assert no_filter.status_code == 422
        counted = await http.post(url, json={**body, "dry_run": True}, headers=auth)
        assert counted.status_code == 200 and counted.json() == {"events": 0, "dry_run": True}
