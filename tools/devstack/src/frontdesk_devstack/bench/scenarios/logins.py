"""Logins: `POST /v1/sessions` at 2, 8 and 32 concurrent clients, each for `seconds`,
beside raw argon2-cffi verifies at the parameters identity actually uses.

The accounts get their login the way a studio's client does (the e2e tests' flow 2):
an admin creates the client through the stand-in gateway, the create-your-login email
arrives, and its link's form sets the username and password. The argon2 parameters are
read from the hash identity stored for one of them.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from typing import Any

import asyncpg
import httpx
from argon2 import extract_parameters

from frontdesk_testing import Admin, InboxClient, StandInGateway

from ..fixtures import BenchError
from ..stackio import IDENTITY_DB, Stack
from .baselines import argon2_verify

PASSWORD = "violet harbour lantern"  # noqa: S105 - the bench's own throwaway accounts
MAIL_TIMEOUT = 60.0
_TOKEN = re.compile(r'<input type="hidden" name="token" value="([^"]+)">')
_ACTION = re.compile(r'<form method="post" action="([^"]+)">')


async def create_login(
    http: httpx.AsyncClient, inbox: InboxClient, admin: Admin, email: str, username: str
) -> None:
    """Admin creates the client; the client creates their login from the email's link."""
    created = await http.post(
        f"/v1/admin/studios/{admin.studio_id}/clients",
        json={"email": email, "given_name": "Ada", "family_name": "Bench"},
        headers=admin.identity(),
    )
    if created.status_code != 201:
        raise BenchError(f"creating a client answered {created.status_code}: {created.text[:200]}")
    mail = await inbox.wait_for(email, subject_contains="Create your login", timeout=MAIL_TIMEOUT)
    page = await http.get(mail.link_containing("/links/create-login?token="))
    token, action = _TOKEN.search(page.text), _ACTION.search(page.text)
    if page.status_code != 200 or not (token and action):
        raise BenchError(f"the create-login page answered {page.status_code} with no form")
    done = await http.post(
        action[1], data={"token": token[1], "username": username, "password": PASSWORD}
    )
    if done.status_code != 200:
        raise BenchError(f"creating the login answered {done.status_code}: {done.text[:200]}")


async def create_logins(stack: Stack, tag: str, count: int) -> list[str]:
    """`count` accounts with a login in a studio of the run's own; their usernames."""
    admin = Admin(
        f"bench-admin-{tag}",
        {f"bench-{tag}-login": "Bench Studio"},
        StandInGateway.load(stack.keys_dir),
    )
    names = [f"bench-{tag}-{n}" for n in range(count)]
    headers = {"X-Forwarded-For": "198.51.100.77"}
    async with (
        httpx.AsyncClient(base_url=stack.identity_url, headers=headers, timeout=60) as http,
        InboxClient(stack.inbox_url) as inbox,
    ):
        for start in range(0, count, 8):  # a few at a time: each costs identity a hash
            await asyncio.gather(
                *(
                    create_login(http, inbox, admin, f"{u}@bench.test", u)
                    for u in names[start : start + 8]
                )
            )
    return names


async def stored_parameters(stack: Stack, username: str) -> Any:
    """The argon2 parameters of the hash identity stored for `username`."""
    conn = await asyncpg.connect(stack.database(IDENTITY_DB), timeout=10)
    try:
        stored = await conn.fetchval(
            "SELECT password_hash FROM accounts WHERE username = $1", username
        )
    finally:
        await conn.close()
    return extract_parameters(stored)


async def logins_at(
    stack: Stack, usernames: list[str], clients: int, seconds: float
) -> dict[str, float]:
    """`clients` clients logging in one after another for `seconds`; logins/s."""
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def client(number: int, http: httpx.AsyncClient) -> tuple[int, int]:
        ok = failed = 0
        body = {"login": usernames[number % len(usernames)], "password": PASSWORD}
        headers = {"X-Forwarded-For": f"198.51.100.{number % 250 + 1}"}
        stop = time.perf_counter() + seconds
        while time.perf_counter() < stop:
            try:
                answer = await http.post("/v1/sessions", json=body, headers=headers)
            except httpx.HTTPError:
                failed += 1
                continue
            ok, failed = (ok + 1, failed) if answer.status_code == 200 else (ok, failed + 1)
        return ok, failed

    async with httpx.AsyncClient(base_url=stack.identity_url, limits=limits, timeout=60) as http:
        started = time.perf_counter()
        done = await asyncio.gather(*(client(n, http) for n in range(clients)))
        elapsed = time.perf_counter() - started
    ok, failed = sum(d[0] for d in done), sum(d[1] for d in done)
    return {
        "logins": float(ok),
        "failures": float(failed),
        "seconds": elapsed,
        "logins_per_s": ok / elapsed,
    }


async def run_logins(
    stack: Stack, tag: str, options: Any, baselines: dict[str, float]
) -> dict[str, Any]:
    """Create the accounts, measure raw argon2 at their parameters, then each concurrency."""
    usernames = await create_logins(stack, tag, max(options.login_clients))
    params = await stored_parameters(stack, usernames[0])
    processes = os.cpu_count() or 1
    baselines["argon2_per_s"] = await argon2_verify(params, options.baseline_seconds, processes)
    clients = {
        str(c): await logins_at(stack, usernames, c, options.login_seconds)
        for c in options.login_clients
    }
    return {
        "clients": clients,
        "accounts": len(usernames),
        "argon2_params": (
            f"argon2id t={params.time_cost}, m={params.memory_cost} KiB, p={params.parallelism}"
        ),
        "argon2_processes": processes,
    }
