"""Read Frontdesk's identity events from Python, with typed payloads.

    pip install "./contracts[examples]"
    python contracts/examples/consume_identity_events.py --bootstrap 127.0.0.1:19092 \
        --group my-service-identity-reader

Use your own consumer group id (never one of Frontdesk's). A record that does not parse
raises a `ContractError` naming the problem; a real service sends it to its own
dead-letter topic and goes on, as this example does by printing it.
"""

from __future__ import annotations

import argparse
import asyncio

from aiokafka import AIOKafkaConsumer

from frontdesk_contracts import (
    AccountCreatedByAdmin,
    AccountImported,
    AccountsMerged,
    ContractError,
    Envelope,
    EventPayload,
    FirstLogin,
    PasswordChanged,
    PasswordResetRequested,
    from_record,
    topic_for_source,
)

IDENTITY_TOPIC = topic_for_source("identity").name


def describe(event: Envelope[EventPayload]) -> str:
    """One line about an identity event; the match arms see typed payloads."""
    match event.payload:
        case AccountImported(account_id=account, studio_id=studio):
            return f"{account} imported into {studio}"
        case AccountCreatedByAdmin(account_id=account, admin_id=admin, expires_at=expires):
            return f"{account} created by {admin}; create-login link valid until {expires}"
        case PasswordResetRequested(account_id=account, requested_by=who):
            return f"{account}: password reset requested by {who}"
        case PasswordChanged(account_id=account):
            return f"{account}: password changed, sessions ended"
        case FirstLogin(account_id=account):
            return f"{account} logged in for the first time"
        case AccountsMerged(account_id=account, merged_account_ids=merged):
            return f"{', '.join(merged)} merged into {account}"
        case _:
            return f"{event.subject}: {event.type} v{event.schema_version}"


async def consume(bootstrap: str, group_id: str, max_events: int | None) -> None:
    """Print identity events from the start of the topic; commit after each."""
    consumer = AIOKafkaConsumer(
        IDENTITY_TOPIC,
        bootstrap_servers=bootstrap,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        seen = 0
        async for message in consumer:
            try:
                print(describe(from_record(message.value, message.headers)))
            except ContractError as error:
                print(f"dead letter at offset {message.offset}: {error}")
            await consumer.commit()
            seen += 1
            if max_events is not None and seen >= max_events:
                break
    finally:
        await consumer.stop()


def main() -> None:
    """Parse the command line and consume."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap", required=True, help="host:port of a Kafka broker")
    parser.add_argument("--group", required=True, help="your consumer group id")
    parser.add_argument("--max-events", type=int, help="stop after this many records")
    args = parser.parse_args()
    asyncio.run(consume(args.bootstrap, args.group, args.max_events))


if __name__ == "__main__":
    main()
