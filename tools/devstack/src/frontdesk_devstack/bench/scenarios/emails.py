"""notifications' sender loop against raw aiosmtplib, to the same SMTP server.

- `raw_smtp`: `concurrency` aiosmtplib connections send ready-made emails as fast as they
  can (no database, no rendering): the ceiling the server and the client allow;
- `sender_loop`: the same number of AccountCreatedByAdmin events are queued through the
  service's real handler (`queue_email`: handled-event record plus message row, one
  transaction each) before the clock starts; then the real sender loop (claim, open the
  sealed token, render, send over the SMTP pool, record the outcome and the EmailSent
  outbox row) runs until every message is sent.

These are the only places the tools import the notifications service's internals: the
names below are what the benchmark exercises, so a rename there is a change here.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import aiosmtplib
import asyncpg
from pydantic import SecretStr

from frontdesk_contracts import (
    GROUP_NOTIFICATIONS,
    AccountCreatedByAdmin,
    Secret,
    generate_key_pair,
    new_event,
    seal,
)
from frontdesk_kit import KIT_MIGRATIONS, HandledEvents, Outbox
from frontdesk_notifications.adapters.mail import SmtpPool, build_message
from frontdesk_notifications.adapters.templates import EmailRenderer, LinkPaths
from frontdesk_notifications.adapters.unit_of_work import PgUnitsOfWork
from frontdesk_notifications.bootstrap import MIGRATIONS, bootstrap
from frontdesk_notifications.entrypoints.sender_loop import SenderLoop
from frontdesk_notifications.service_layer.queueing import queue_email
from frontdesk_notifications.settings import NotificationsSettings

from ..fixtures import Databases
from . import Row

SENDER = "noreply@frontdesk.test"
_SENT = "SELECT count(*) FROM outgoing_messages WHERE status = 'sent'"


async def raw_smtp(host: str, port: int, messages: int, concurrency: int) -> Row:
    """Bare aiosmtplib: one connection per task, reused for every message."""
    renderer = EmailRenderer(LinkPaths(base_url="https://app.test"))
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
                sender=SENDER,
                sender_name="Frontdesk",
                recipient=recipient,
                message_id=uuid.uuid4(),
                domain="frontdesk.test",
            )
            await smtp.send_message(email, sender=SENDER, recipients=[recipient])
        await smtp.quit()

    shares = [messages // concurrency + (i < messages % concurrency) for i in range(concurrency)]
    started = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in shares))
    seconds = time.perf_counter() - started
    return Row("raw_aiosmtplib", {"seconds": seconds, "emails_per_s": messages / seconds})


async def sender_loop(
    databases: Databases, host: str, port: int, messages: int, concurrency: int
) -> Row:
    """The real sender loop over `messages` real queued messages, in a throwaway database."""
    dsn = await databases.create("notifications", [("kit", KIT_MIGRATIONS), *MIGRATIONS])
    try:
        return await _sender_loop(dsn, host, port, messages, concurrency)
    finally:
        await databases.drop(dsn)


async def _sender_loop(dsn: str, host: str, port: int, messages: int, concurrency: int) -> Row:
    keys = generate_key_pair("bench")
    settings = NotificationsSettings(
        database_url=dsn,
        kafka_bootstrap_servers="unused:9092",  # the relay is not part of this measurement
        smtp_host=host,
        smtp_port=port,
        sealing_private_keys={"bench": SecretStr(keys.encoded_private_key().reveal())},
        sender_concurrency=concurrency,
        rate_limit_per_recipient=1_000_000,
    )
    async with asyncpg.create_pool(dsn, min_size=2, max_size=concurrency + 4) as pool:
        # The service's own wiring (bootstrap.create_app's), minus Kafka: the relay is
        # not part of this measurement, so the EmailSent rows stay in the outbox.
        units = PgUnitsOfWork(pool, Outbox(), HandledEvents(pool, GROUP_NOTIFICATIONS))
        smtp = SmtpPool.from_settings(settings)
        deps = bootstrap(settings, units, smtp)
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
        seconds = time.perf_counter() - started
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await smtp.close()
    return Row("sender_loop", {"seconds": seconds, "emails_per_s": messages / seconds})
