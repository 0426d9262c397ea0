"""Imports through the stack's own `platform.client-imports.v1`, as a migration publishes
them, and counted where they land: identity's `accounts` and the registry's
`client_records` (read-only counts, by the run's own studios).

- `run_import`: N ClientImported records, one client each; records/s from the first
  produce until both services hold every record;
- `seed_logins`: accounts for the reset storm, imported in ClientsImportedBatch records
  (the bulk path) and then given a password hash, since identity sends a reset link only
  to an account that has a login (see `seed_logins` for why it is written directly).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from argon2 import PasswordHasher

from frontdesk_contracts import (
    ClientImported,
    ClientsImportedBatch,
    ImportedClient,
    KafkaRecord,
    new_event,
    to_record,
)

from ..fixtures import BenchError
from ..stackio import IDENTITY_DB, Stack, held_by_studios, produce

POLL_SECONDS = 0.5
BATCH = 100  # clients per ClientsImportedBatch, the contract's largest


@dataclass(frozen=True)
class Imports:
    """A run's import: its studios, the payloads and the records to produce."""

    studios: list[str]
    payloads: list[ClientImported]
    records: list[KafkaRecord]


def build_imports(tag: str, count: int, studios: int) -> Imports:
    """`count` ClientImported, one client with one address each, over `studios` studios
    named after `tag` (unique per run)."""
    names = [f"bench-{tag}-{k:02d}" for k in range(studios)]
    payloads = [
        ClientImported(
            studio_id=names[n % studios],
            external_client_id=f"client-{n:07d}",
            given_name="Ada",
            family_name="Lovelace",
            emails=[f"imp.{tag}.{n}@bench.test"],
            phone="+44 20 7946 0000",
            import_id=f"bench-{tag}",
        )
        for n in range(count)
    ]
    return Imports(names, payloads, [to_record(new_event(p)) for p in payloads])


async def run_import(
    stack: Stack, producer: AIOKafkaProducer, imports: Imports, timeout: float
) -> dict[str, Any]:
    """Produce every record, then count until identity and the registry hold them all
    (or `timeout` seconds pass: the figure is then what was held, marked incomplete)."""
    n = len(imports.records)
    started = time.perf_counter()
    produce_seconds = await produce(producer, imports.records)
    identity_done: float | None = None
    while True:
        accounts, records = await held_by_studios(stack, imports.studios)
        elapsed = time.perf_counter() - started
        if identity_done is None and accounts >= n:
            identity_done = elapsed
        if (accounts >= n and records >= n) or elapsed > timeout:
            break
        await asyncio.sleep(POLL_SECONDS)
    held = min(accounts, records)
    figures: dict[str, Any] = {
        "records": n,
        "studios": len(imports.studios),
        "seconds": elapsed,
        "records_per_s": held / elapsed,
        "complete": held >= n,
        "held": held,
        "identity_accounts": accounts,
        "registry_records": records,
        "produce_per_s": n / produce_seconds,
    }
    if identity_done is not None:
        figures["identity_seconds"] = identity_done
        figures["identity_per_s"] = n / identity_done
    return figures


def batches(tag: str, first: int, count: int, studios: list[str]) -> list[KafkaRecord]:
    """ClientsImportedBatch records for clients `first`..`first+count-1` of `tag`."""
    records = []
    for start in range(first, first + count, BATCH):
        clients = [
            ImportedClient(
                external_client_id=f"client-{n:07d}",
                given_name="Grace",
                emails=[f"rst.{tag}.{n}@bench.test"],
            )
            for n in range(start, min(start + BATCH, first + count))
        ]
        batch = ClientsImportedBatch(
            studio_id=studios[(start // BATCH) % len(studios)],
            import_id=f"bench-{tag}",
            batch_number=start // BATCH + 1,
            clients=clients,
        )
        records.append(to_record(new_event(batch)))
    return records


class LoginPool:
    """Accounts with a login, one per reset request, seeded on demand in bulk."""

    def __init__(self, stack: Stack, producer: AIOKafkaProducer, tag: str, studios: int) -> None:
        self._stack, self._producer, self._tag = stack, producer, tag
        self.studios = [f"bench-{tag}-{k:02d}" for k in range(studios)]
        self._seeded = 0
        # Any valid argon2id hash: nobody logs in to these accounts, they only need a login.
        self._hash = PasswordHasher().hash(f"bench-{tag}")

    async def take(self, count: int, timeout: float) -> list[str]:
        """`count` fresh addresses whose accounts identity holds with a login."""
        first = self._seeded
        await produce(self._producer, batches(self._tag, first, count, self.studios))
        self._seeded += count
        await self._until_held(timeout)
        await self._give_logins()
        return [f"rst.{self._tag}.{n}@bench.test" for n in range(first, first + count)]

    async def _until_held(self, timeout: float) -> None:
        give_up = time.monotonic() + timeout
        while (held := (await held_by_studios(self._stack, self.studios))[0]) < self._seeded:
            if time.monotonic() > give_up:
                raise BenchError(
                    f"identity held {held} of {self._seeded} seeded accounts after {timeout:.0f} s"
                )
            await asyncio.sleep(POLL_SECONDS)

    async def _give_logins(self) -> None:
        """The one write the bench makes to a service's database. A login through
        identity's own path (create-login link, or signup and verify) costs an argon2id
        hash each; the storm needs a fresh account per request (a second reset of one
        account supersedes the first's link), tens of thousands of them. The login
        scenario creates its accounts through the real path instead."""
        conn = await asyncpg.connect(self._stack.database(IDENTITY_DB), timeout=10)
        try:
            await conn.execute(
                "UPDATE accounts SET password_hash = $1 "
                "WHERE studio_id = ANY($2) AND password_hash IS NULL",
                self._hash,
                self.studios,
            )
        finally:
            await conn.close()
