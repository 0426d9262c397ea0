"""A consumer process for test_consumer.py: handles one event of a topic, then exits.

With FRONTDESK_TEST_CRASH_AFTER_EFFECT=1 it dies (os._exit) right after the effect's
transaction committed and before Kafka has the offset: the crash the kit must survive.
Prints "applied <id>" or "duplicate <id>" for the event it saw.
"""

from __future__ import annotations

import asyncio
import os
import sys

import asyncpg
from faststream.kafka import KafkaBroker

from frontdesk_kit import DeadLetters, EventConsumer, HandledEvents, idempotent_producer


async def main(bootstrap: str, dsn: str, topic: str, group: str) -> int:
    crash = os.environ.get("FRONTDESK_TEST_CRASH_AFTER_EFFECT") == "1"
    seen = asyncio.Event()
    async with asyncpg.create_pool(dsn, min_size=1, max_size=2) as pool:
        handled = HandledEvents(pool, group)
        producer = idempotent_producer(bootstrap, "crash-test")
        await producer.start()
        broker = KafkaBroker(bootstrap)

        async def record_effect(event) -> None:  # type: ignore[no-untyped-def]
            async def effect(conn: asyncpg.Connection) -> None:
                await conn.execute(
                    "INSERT INTO effects (event_id, subject) VALUES ($1, $2)",
                    event.id,
                    event.subject,
                )

            applied = await handled.once(event.id, effect)
            print(f"{'applied' if applied else 'duplicate'} {event.id}", flush=True)
            if crash:
                os._exit(17)  # effect committed, offset not: the worst moment to die
            seen.set()

        EventConsumer(broker, DeadLetters(producer, group)).subscribe([topic], record_effect)
        await broker.start()
        try:
            await asyncio.wait_for(seen.wait(), 60)
        finally:
            await broker.stop()
            await producer.stop()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(*sys.argv[1:5])))
