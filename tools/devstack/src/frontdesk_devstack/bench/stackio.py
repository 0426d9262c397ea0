"""How the stack suite talks to the running stack: its endpoints, the services' own
databases (read to count what they hold), the dev inbox (watched for every email that
arrives), and producing records.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer

from frontdesk_contracts import KafkaRecord

from ..services import IDENTITY
from .fixtures import BenchError, load_endpoints

# Arrival times come from the inbox itself (received_at), so polling often buys nothing
# but load on the inbox, which lists every message it holds on each call.
INBOX_POLL_SECONDS = 1.0


@dataclass(frozen=True)
class Stack:
    """Where the running stack answers (from `.local/stack.json`)."""

    bootstrap: str
    admin_dsn: str
    smtp_host: str
    smtp_port: int
    inbox_url: str
    keys_dir: Path
    identity_url: str

    @classmethod
    def load(cls) -> Stack:
        """The running stack; BenchError when it is not up."""
        found = load_endpoints()
        host, port = found["smtp"].rsplit(":", 1)
        return cls(
            bootstrap=found["kafka_bootstrap"],
            admin_dsn=found["postgres_dsn"],
            smtp_host=host,
            smtp_port=int(port),
            inbox_url=found["inbox_url"],
            keys_dir=Path(found["keys_dir"]),
            identity_url=found.get("identity_url", IDENTITY.url()),
        )

    def database(self, name: str) -> str:
        """The DSN of one of the services' databases (`frontdesk_identity`, ...)."""
        return self.admin_dsn.rsplit("/", 1)[0] + f"/{name}"


IDENTITY_DB = "frontdesk_identity"
REGISTRY_DB = "frontdesk_registry"


async def count(dsn: str, sql: str, *args: Any) -> int:
    """One `SELECT count(*) ...` on `dsn`."""
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        return int(await conn.fetchval(sql, *args))
    finally:
        await conn.close()


async def held_by_studios(stack: Stack, studios: list[str]) -> tuple[int, int]:
    """How many accounts identity and client records the registry hold for `studios`."""
    return (
        await count(
            stack.database(IDENTITY_DB),
            "SELECT count(*) FROM accounts WHERE studio_id = ANY($1)",
            studios,
        ),
        await count(
            stack.database(REGISTRY_DB),
            "SELECT count(*) FROM client_records WHERE studio_id = ANY($1)",
            studios,
        ),
    )


async def produce(producer: AIOKafkaProducer, records: Sequence[KafkaRecord]) -> float:
    """Send every record, then await every acknowledgement; the seconds it took."""
    started = time.perf_counter()
    sent = [
        await producer.send(r.topic, value=r.value, key=r.key, headers=list(r.headers))
        for r in records
    ]
    await asyncio.gather(*sent)
    return time.perf_counter() - started


class Mailbox:
    """Every email the dev inbox receives while it is watched: address -> the wall-clock
    time (seconds since the epoch) the SMTP server accepted it."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http
        self._last_id = 0
        self.arrived: dict[str, float] = {}

    async def skip_existing(self) -> None:
        """Watch only what arrives from now on."""
        existing = await self._list()
        self._last_id = max((m["id"] for m in existing), default=0)

    async def poll(self) -> int:
        """Read what arrived since the last poll; how many new messages."""
        new = await self._list(self._last_id)
        for message in new:
            received = datetime.fromisoformat(message["received_at"]).timestamp()
            for address in message["to"]:
                self.arrived.setdefault(address.lower(), received)
            self._last_id = max(self._last_id, message["id"])
        return len(new)

    async def _list(self, since_id: int | None = None) -> list[dict[str, Any]]:
        params = {} if since_id is None else {"since_id": since_id}
        answer = await self._http.get("/api/messages", params=params)
        answer.raise_for_status()
        found: list[dict[str, Any]] = answer.json()
        return found

    async def wait_for(self, addresses: Collection[str], seconds: float) -> bool:
        """Poll until every address has its email or `seconds` pass; whether all came."""
        give_up = time.monotonic() + seconds
        while True:
            await self.poll()
            if all(a.lower() in self.arrived for a in addresses):
                return True
            if time.monotonic() > give_up:
                return False
            await asyncio.sleep(INBOX_POLL_SECONDS)

    def count(self) -> int:
        """How many addresses received mail while watched."""
        return len(self.arrived)


@contextlib.asynccontextmanager
async def watching(inbox_url: str) -> AsyncIterator[Mailbox]:
    """A Mailbox on the inbox at `inbox_url`, polled in the background while in use."""
    async with httpx.AsyncClient(base_url=inbox_url, timeout=30) as http:
        mailbox = Mailbox(http)
        try:
            await mailbox.skip_existing()
        except httpx.HTTPError as error:
            raise BenchError(f"cannot read the dev inbox at {inbox_url}: {error!r}") from None

        async def keep_polling() -> None:
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    await mailbox.poll()
                await asyncio.sleep(INBOX_POLL_SECONDS)

        task = asyncio.create_task(keep_polling())
        try:
            yield mailbox
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
