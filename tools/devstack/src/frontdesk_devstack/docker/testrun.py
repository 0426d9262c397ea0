"""`make test-docker`: the end-to-end tier against the compose stack, and again while one
instance of each service is killed.

Steps, each timed (the table at the end):

1. the engine, the compose plugin, the base image and every image (as `make up-docker`);
2. the integration tier through the testcontainers back end (`integration_tier`:
   FRONTDESK_TEST_BACKEND=containers, see `frontdesk_devstack.testbackend`);
3. `docker compose up --wait`, every instance ready;
4. `pytest tests/e2e` against the load-balanced addresses (tests marked `local_stack`,
   which drive the local processes themselves, are skipped: FRONTDESK_E2E_USE_RUNNING_STACK);
5. the same run again, while one instance of each service is killed (`docker kill`)
   as `KILLS` says: haproxy's health checks route around the dead instance and the consumer
   groups rebalance onto the survivor, so every test must still pass; haproxy's view
   of each instance and each group's members are printed before and after;
6. `docker compose down --volumes`.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import urllib.request

from frontdesk_contracts import GROUP_CLIENT_REGISTRY, GROUP_IDENTITY, GROUP_NOTIFICATIONS

from ..config import REPO_ROOT
from ..procs import StackError
from . import compose
from .steps import Steps

# Which instance dies, once how many tests of the second run have finished (the two
# skipped chaos tests count): identity's as the browser tests begin, the registry's as
# the enumeration tests do (its group rebalances under their load; the later tests read
# the registry through the survivor), notifications' before the link-page tests, which
# wait for the emails it sends.
KILLS = (("identity-1", 5), ("client-registry-2", 11), ("notifications-1", 17))
_RESULT = re.compile(r"^tests/\S.* (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\b")
HAPROXY_STATS = "http://127.0.0.1:28090/stats;csv"
GROUPS = (GROUP_IDENTITY, GROUP_CLIENT_REGISTRY, GROUP_NOTIFICATIONS)
E2E_TIMEOUT_SECONDS = 1200


def e2e_environment() -> dict[str, str]:
    """Where the tests find the compose stack: its stack.json's folder, and the ports
    of the local stack's variables moved to the compose stack's."""
    return {
        "FRONTDESK_STACK_DIR": str(compose.stack_dir()),
        "FRONTDESK_E2E_USE_RUNNING_STACK": "1",
        "FRONTDESK_KAFKA_PORT": compose.KAFKA_BOOTSTRAP.rsplit(":", 1)[1],
        "FRONTDESK_PG_PORT": str(compose.POSTGRES_PORT),
        "FRONTDESK_SMTP_PORT": compose.SMTP.rsplit(":", 1)[1],
        "FRONTDESK_INBOX_PORT": compose.INBOX_URL.rsplit(":", 1)[1],
        "FRONTDESK_IDENTITY_HTTP_PORT": str(compose.BALANCED_PORTS["identity"]),
        "FRONTDESK_REGISTRY_HTTP_PORT": str(compose.BALANCED_PORTS["client-registry"]),
        "FRONTDESK_NOTIFICATIONS_HTTP_PORT": str(compose.BALANCED_PORTS["notifications"]),
    }


def e2e_command() -> list[str]:
    return [sys.executable, "-m", "pytest", "tests/e2e", "-v"]


def e2e() -> None:
    """One run of the end-to-end tier against the compose stack; StackError if it fails."""
    done = subprocess.run(e2e_command(), cwd=REPO_ROOT, env=_env(), check=False)
    if done.returncode != 0:
        raise StackError(f"the end-to-end tier failed against compose ({done.returncode})")


def e2e_while_killing() -> None:
    """The end-to-end tier again, killing one instance of each service during it."""
    print("before:")
    evidence()
    run = subprocess.Popen(
        e2e_command(),
        cwd=REPO_ROOT,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert run.stdout is not None
    pending, finished = list(KILLS), 0
    try:
        for line in run.stdout:  # pytest -v: one line a finished test
            print(line, end="", flush=True)
            finished += finished_test(line)
            while pending and finished >= pending[0][1]:
                name, _ = pending.pop(0)
                compose.kill(name)
                print(f"*** killed {name} (docker kill) after {finished} tests", flush=True)
        code = run.wait(timeout=E2E_TIMEOUT_SECONDS)
    finally:
        if run.poll() is None:
            run.kill()
    print("after:")
    evidence()
    if code != 0:
        raise StackError(f"the end-to-end tier failed while instances were killed ({code})")
    if pending:
        raise StackError(f"the run ended before {pending[0][0]} was killed")


def finished_test(line: str) -> bool:
    """Whether `line` of `pytest -v` is a test's result (its id may hold spaces)."""
    return _RESULT.match(line) is not None


def _env() -> dict[str, str]:
    # Unbuffered: each finished test's line arrives at once, so the kills land where
    # KILLS says, between two tests.
    return {**os.environ, **e2e_environment(), "PYTHONUNBUFFERED": "1"}


def evidence() -> None:
    """haproxy's state of every instance and each consumer group's members, printed."""
    for row in haproxy_servers():
        print(f"  haproxy  {row}")
    for group, state in asyncio.run(group_members()).items():
        print(f"  group    {group}: {state}")


def haproxy_servers() -> list[str]:
    """`backend/server STATUS` for every instance haproxy balances over."""
    with urllib.request.urlopen(HAPROXY_STATS, timeout=5) as reply:
        lines = reply.read().decode().splitlines()
    header = lines[0].lstrip("# ").split(",")
    rows = [dict(zip(header, line.split(","), strict=False)) for line in lines[1:] if line]
    return [
        f"{r['pxname']}/{r['svname']} {r['status']}"
        for r in rows
        if r["svname"] not in {"FRONTEND", "BACKEND"} and r["pxname"] != "stats"
    ]


async def group_members() -> dict[str, str]:
    """Each service's consumer group now: its state and how many members it has (the
    ops CLI's view, `frontdesk_cli.kafka.Cluster`)."""
    from frontdesk_cli.kafka import Cluster

    found: dict[str, str] = {}
    async with Cluster(compose.KAFKA_BOOTSTRAP) as cluster:
        for group in GROUPS:
            state = await cluster.group_state(group)
            found[group] = f"{state.state}, {len(state.members)} member(s)"
    return found


def integration_tier(steps: Steps) -> None:
    """The integration tier through testcontainers (issue 14, item 3): the same
    tests/integration, with Kafka, PostgreSQL and the inbox started in containers from
    the images just built."""
    steps.run("integration tier (testcontainers)", integration)


def integration() -> None:
    """tests/integration on the containers back end; StackError if it fails."""
    env = {**os.environ, "FRONTDESK_TEST_BACKEND": "containers"}
    command = [sys.executable, "-m", "pytest", "tests/integration", "-q"]
    done = subprocess.run(command, cwd=REPO_ROOT, env=env, check=False)
    if done.returncode != 0:
        raise StackError(f"the integration tier failed on testcontainers ({done.returncode})")


def main() -> int:
    """The whole of `make test-docker`; 0 when every step passed."""
    from .__main__ import prepare

    steps = Steps()
    try:
        prepare(steps)
        integration_tier(steps)
        steps.run("compose up", compose.up)
        steps.run("e2e against compose", e2e)
        steps.run("e2e, one instance of each killed", e2e_while_killing)
    finally:
        steps.run("compose down", lambda: compose.down(volumes=True))
    steps.report()
    return 0
