"""Every service's /metrics exposes the named series, and /healthz and /readyz answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.integration

COMMON = [
    "frontdesk_http_request_duration_seconds_bucket",
    "frontdesk_outbox_backlog ",
    "frontdesk_outbox_oldest_age_seconds ",
    "frontdesk_consumer_lag{",
]
OWN = {
    "identity": [
        'frontdesk_tokens_issued{purpose="create_login"}',
        'frontdesk_tokens_used{purpose="password_reset"}',
        'frontdesk_tokens_expired{purpose="email_verification"}',
    ],
    "notifications": [
        "frontdesk_emails_queued ",
        "frontdesk_emails_sent ",
        "frontdesk_emails_failed ",
        "frontdesk_emails_suppressed ",
    ],
    "client-registry": [],
}


@pytest.mark.parametrize("name", ["identity", "notifications", "client-registry"])
async def test_metrics_expose_the_named_series(name: str, start: Callable[..., Any]) -> None:
    async with start(name) as service:
        assert (await service.http.get("/healthz")).status_code == 200
        ready = await service.http.get("/readyz")
        assert ready.status_code == 200, ready.text
        response = await service.http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    for series in COMMON + OWN[name]:
        assert series in text, f"{name}: {series!r} missing"
    # The /healthz call above was timed under its route template.
    assert 'route="/healthz"' in text
    # FastStream's Prometheus middleware shares the registry.
    assert "# HELP faststream_" in text
