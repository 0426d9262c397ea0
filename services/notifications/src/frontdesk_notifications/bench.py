"""``python -m frontdesk_notifications.bench``: sustained emails/s of the sender loop beside
the raw aiosmtplib send rate, to the same development SMTP server, in one run.

1. raw: `concurrency` aiosmtplib connections send `messages` ready-made emails as fast
   as they can (no database, no rendering): the ceiling the server and client allow.
2. service: the same number of AccountCreatedByAdmin events are queued through the
   real handler (`queue_email`: handled-event record plus message row, one
   transaction each) before the clock starts; then the real sender loop (claim, open
   the sealed token, render, send over the SMTP pool, record the outcome and the
   EmailSent outbox row) runs until every message is sent.

By default a private devmail is started as a child process (fresh data folder) so the
shared inbox is not flooded; ``--smtp HOST:PORT`` uses a running server instead. The
database is a throwaway one on the local stack's PostgreSQL (.local/stack.json).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosmtplib
import asyncpg

from frontdesk_contracts import AccountCreatedByAdmin, generate_key_pair, new_event, seal
from frontdesk_kit import migrate

from .adapters.mail import build_message
from .adapters.templates import EmailRenderer, LinkPaths
from .bootstrap import MIGRATIONS, build_deps
from .handlers import queue_email
from .sending import SenderLoop
from .settings import NotificationsSettings

_SENT = "SELECT count(*) FROM outgoing_messages WHERE status = 'sent'"
_READY = re.compile(r"devmail ready: smtp ([\d.]+):(\d+)")


def _stack() -> dict[str, str]:
    root = Path(os.environ.get("FRONTDESK_STACK_DIR", ".local"))
    stack: dict[str, str] = json.loads((root / "stack.json").read_text())
    return stack


def _start_devmail(data_dir: str) -> tuple[subprocess.Popen[str], str, int]:
    argv = [sys.executable, "-m", "frontdesk_devmail", "--smtp-port", "0", "--http-port", "0"]
    child = subprocess.Popen([*argv, "--data-dir", data_dir], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    for line in child.stdout:
        match = _READY.search(line)
        if match:
            # devmail logs a line per message: keep its pipe drained or it stalls.
            threading.Thread(target=child.stdout.read, daemon=True).start()
            return child, match[1], int(match[2])
    raise RuntimeError("devmail did not start")


async def raw_rate(host: str, port: int, messages: int, concurrency: int) -> float:
    """Emails/s of bare aiosmtplib: one connection per task, reused for every message."""
    renderer = EmailRenderer(LinkPaths(base_url="https://app.test"))
    from frontdesk_contracts import Secret

    rendered = renderer.render(
        "create_login",
        {"given_name": "Ada", "studio_name": "Bench Studio", "expires_at": None},
        {"token": Secret("x" * 43)},
        None,
    )

    async def worker(count: int) -> None:
        smtp = aiosmtplib.SMTP(hostname=host, port=port, start_tls=False)
        await smtp.connect()
        for _ in range(count):
            recipient = f"raw-{uuid.uuid4().hex[:12]}@bench.test"
            email = build_message(
                rendered,
                sender="noreply@frontdesk.test",
                sender_name="Frontdesk",
                recipient=recipient,
                message_id=uuid.uuid4(),
                domain="frontdesk.test",
            )
            await smtp.send_message(email, sender="noreply@frontdesk.test", recipients=[recipient])
        await smtp.quit()

    shares = [messages // concurrency + (i < messages % concurrency) for i in range(concurrency)]
    started = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in shares))
    return messages / (time.perf_counter() - started)


async def service_rate(host: str, port: int, messages: int, concurrency: int) -> float:
    """Emails/s of the real sender loop over a queue of `messages` real messages."""
    admin_dsn = _stack()["postgres_dsn"]
    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        dsn = admin_dsn.rsplit("/", 1)[0] + f"/{name}"
        return await _run_sender(dsn, host, port, messages, concurrency)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _run_sender(dsn: str, host: str, port: int, messages: int, concurrency: int) -> float:
    keys = generate_key_pair("bench")
    settings = NotificationsSettings(
        database_url=dsn,
        kafka_bootstrap_servers="unused:9092",  # the relay is not part of this measurement
        smtp_host=host,
        smtp_port=port,
        sealing_private_keys={"bench": keys.encoded_private_key().reveal()},  # type: ignore[dict-item]
        sender_concurrency=concurrency,
        rate_limit_per_recipient=1_000_000,
    )
    async with asyncpg.create_pool(dsn, min_size=2, max_size=concurrency + 4) as pool:
        async with pool.acquire() as conn:
            await migrate(conn, MIGRATIONS)
        deps = build_deps(settings, pool)
        expires = datetime.now(UTC) + timedelta(days=7)
        for _ in range(messages):
            payload = AccountCreatedByAdmin(
                account_id=f"acc-{uuid.uuid4().hex[:12]}",
                studio_id="studio-bench",
                studio_name="Bench Studio",
                admin_id="admin-1",
                email=f"svc-{uuid.uuid4().hex[:12]}@bench.test",
                given_name="Ada",
                create_login_token=seal("x" * 43, keys.public_key, "bench"),
                expires_at=expires,
            )
            await queue_email(deps, new_event(payload))
        loop = SenderLoop(
            deps,
            concurrency=concurrency,
            batch=settings.sender_batch,
            poll_interval=0.05,
            lease_seconds=300,
        )
        started = time.perf_counter()
        task = asyncio.create_task(loop.run())
        while await pool.fetchval(_SENT) < messages:  # noqa: ASYNC110 - polling the database
            await asyncio.sleep(0.02)
        elapsed = time.perf_counter() - started
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await deps.smtp.close()
    return messages / elapsed


async def run(messages: int, concurrency: int, smtp: str | None) -> dict[str, float | int | str]:
    """Both measurements against one SMTP server; returns the figures."""
    child = None
    with tempfile.TemporaryDirectory(prefix="devmail-bench-") as data_dir:
        if smtp is None:
            child, host, port = _start_devmail(data_dir)
        else:
            host, port_text = smtp.rsplit(":", 1)
            port = int(port_text)
        try:
            raw = await raw_rate(host, port, messages, concurrency)
            service = await service_rate(host, port, messages, concurrency)
        finally:
            if child is not None:
                child.terminate()
                child.wait(10)
    return {
        "smtp": f"{host}:{port}",
        "messages": messages,
        "concurrency": concurrency,
        "raw_aiosmtplib_per_s": round(raw, 1),
        "sender_loop_per_s": round(service, 1),
        "ratio": round(service / raw, 2),
    }


def main() -> None:
    """Parse the options, measure, print one JSON line and a sentence."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--smtp", default=None, help="HOST:PORT of a running SMTP server")
    args = parser.parse_args()
    result = asyncio.run(run(args.messages, args.concurrency, args.smtp))
    print(json.dumps(result))
    print(
        f"sender loop: {result['sender_loop_per_s']} emails/s sustained; raw aiosmtplib: "
        f"{result['raw_aiosmtplib_per_s']} emails/s ({result['messages']} messages, "
        f"{result['concurrency']} connections, same SMTP server {result['smtp']})"
    )


if __name__ == "__main__":
    main()
