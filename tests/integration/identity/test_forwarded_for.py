"""Per-IP login delays count the real client: X-Forwarded-For only from trusted proxies.

The test client connects from 203.0.113.7 (see conftest's `running`)."""

from __future__ import annotations

import pytest

from frontdesk_testing import eventually

pytestmark = pytest.mark.integration

LIMITS = {"login_free_failures": 100, "ip_login_failures_before_delay": 3}


async def _fail_logins(service, steps, forwarded_for):  # type: ignore[no-untyped-def]
    codes = []
    for n, hop in enumerate(forwarded_for):
        answer = await service.http.post(
            "/v1/sessions",
            json={"login": f"user{n}", "password": "wrong password"},
            headers={"X-Forwarded-For": hop},
        )
        codes.append(answer.status_code)
    return codes


async def test_a_client_that_is_no_proxy_is_throttled_by_its_own_address(start, steps):
    async with start(**LIMITS) as service:  # no trusted proxies: the default
        spoofed = [f"198.51.100.{n}" for n in range(1, 6)]
        codes = await _fail_logins(service, steps, spoofed)
    assert codes[:3] == [401, 401, 401]
    assert codes[4] == 429  # a new made-up address each time changed nothing


async def test_a_client_not_in_the_list_is_throttled_even_when_others_are(start, steps):
    async with start(**LIMITS, trusted_proxies="10.0.0.0/8") as service:
        codes = await _fail_logins(service, steps, [f"198.51.100.{n}" for n in range(1, 6)])
    assert codes[4] == 429


async def test_behind_a_trusted_proxy_each_client_is_counted_apart(start, steps):
    async with start(**LIMITS, trusted_proxies="203.0.113.7") as service:
        # Five people, each failing once: nobody is slowed down.
        apart = await _fail_logins(service, steps, [f"198.51.100.{n}" for n in range(1, 6)])
        # One person behind the proxy (whatever they put left of their own hop) is.
        one = await _fail_logins(service, steps, [f"6.6.6.{n}, 198.51.100.99" for n in range(1, 6)])
    assert apart == [401] * 5
    assert one[:3] == [401, 401, 401] and one[4] == 429


async def test_served_as_in_production_a_local_client_cannot_pick_its_address(
    settings_for, monkeypatch
):  # type: ignore[no-untyped-def]
    """`python -m frontdesk_identity` as it serves: uvicorn would otherwise believe
    X-Forwarded-For from 127.0.0.1 (its default), whoever sends it."""
    import asyncio
    import runpy
    import socket

    import httpx
    import uvicorn

    from frontdesk_kit import launch

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    served: dict[str, object] = {}
    monkeypatch.setattr(launch, "load_settings", lambda _: settings_for(http_port=port, **LIMITS))
    monkeypatch.setattr(launch, "configure_logging", lambda *_: None)
    monkeypatch.setattr(launch.uvicorn, "run", lambda app, **kw: served.update(app=app, kw=kw))
    runpy.run_module("frontdesk_identity", run_name="__main__")  # `python -m frontdesk_identity`
    server = uvicorn.Server(uvicorn.Config(served["app"], **served["kw"]))  # type: ignore[arg-type]

    async def serving() -> None:  # uvicorn offers no event to wait on
        assert server.started, "uvicorn has not started"

    task = asyncio.create_task(server.serve())
    try:
        await eventually(serving, timeout=20, interval=0.05)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            codes = []
            for n in range(5):
                answer = await http.post(
                    "/v1/sessions",
                    json={"login": f"user{n}", "password": "wrong password"},
                    headers={"X-Forwarded-For": f"198.51.100.{n + 1}"},
                )
                codes.append(answer.status_code)
    finally:
        server.should_exit = True
        await task
    assert codes[4] == 429
