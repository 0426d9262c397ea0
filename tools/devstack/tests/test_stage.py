"""The demo's stage: a step that does not happen in time says which, never hangs."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from frontdesk_devstack import stage
from frontdesk_devstack.config import StackConfig
from frontdesk_devstack.keys import ensure_dev_keys
from frontdesk_testing import InboxClient


@pytest.fixture(autouse=True)
def short_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stage, "STEP_TIMEOUT", 0.3)


def _event(event_type: str, subject: str, **payload: Any) -> Any:
    return SimpleNamespace(
        type=event_type,
        subject=subject,
        studio_id=None,
        source="identity",
        payload=SimpleNamespace(**payload),
    )


async def test_a_step_that_never_happens_fails_with_its_own_words() -> None:
    async def never() -> None:
        raise AssertionError("no LoginCreated crossed Kafka")

    with pytest.raises(stage.DemoFailed, match=r"^no LoginCreated crossed Kafka$"):
        await stage.within_step(never)


async def test_kafka_expect_counts_only_this_runs_events() -> None:
    watch = stage.KafkaWatch("127.0.0.1:1")  # never started: the events are put in by hand
    watch.ids.add("acc-ours")
    watch._seen += [
        ("t", _event("EmailSent", "acc-other", kind="create_login")),
        ("t", _event("EmailSent", "acc-ours", kind="create_login")),
        ("t", _event("EmailSent", "acc-ours", kind="password_reset")),
    ]

    try:
        [found] = await watch.expect("EmailSent", kind="create_login")
        assert found.subject == "acc-ours"
        with pytest.raises(stage.DemoFailed, match="no EmailSent crossed Kafka within 0 s"):
            await watch.expect("EmailSent", count=2, kind="create_login")
    finally:
        await watch.stop()


async def test_mail_that_never_arrives_is_a_demo_failure(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRONTDESK_STACK_DIR", str(tmp_path))
    cfg = StackConfig.from_env()
    ensure_dev_keys(cfg)
    asked: list[httpx.Request] = []

    def devmail(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        return httpx.Response(404, json={"status": 404, "detail": "no message arrived in time"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(devmail)) as http:
        inbox = InboxClient("http://inbox.test", http=http)
        watch = stage.KafkaWatch("127.0.0.1:1")
        cast = stage.Cast(cfg, watch, inbox)
        try:
            with pytest.raises(stage.DemoFailed, match="no email 'Create your login' reached"):
                await cast.mail("ada@example.test", "Create your login")
        finally:
            await cast.aclose()
            await watch.stop()
    [request] = asked
    assert request.url.path == "/api/messages/wait"
    assert request.url.params["to"] == "ada@example.test"
    assert request.url.params["subject_contains"] == "Create your login"
