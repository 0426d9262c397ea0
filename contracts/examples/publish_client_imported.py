"""Publish one ClientImported event into Frontdesk from Python.

    pip install "./contracts[examples]"
    python contracts/examples/publish_client_imported.py --bootstrap 127.0.0.1:19092 \
        --studio-id studio-42 --external-client-id crm-1001 --given-name Ada \
        --family-name Lovelace --email ada@example.com

`to_record` picks the topic and key from the catalogue and builds the headers; the
producer is idempotent and waits for every in-sync replica (acks=all).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer

from frontdesk_contracts import ClientImported, KafkaRecord, new_event, to_record


def build_record(
    *,
    studio_id: str,
    external_client_id: str,
    given_name: str,
    family_name: str | None = None,
    emails: Sequence[str] = (),
    phone: str | None = None,
    import_id: str | None = None,
) -> KafkaRecord:
    """The record of one imported client; raises pydantic's ValidationError on bad input."""
    payload = ClientImported(
        studio_id=studio_id,
        external_client_id=external_client_id,
        given_name=given_name,
        family_name=family_name,
        emails=list(emails),
        phone=phone,
        import_id=import_id,
    )
    return to_record(new_event(payload))


async def publish(bootstrap: str, record: KafkaRecord) -> None:
    """Send `record` and wait until the broker has it."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            record.topic, record.value, key=record.key, headers=record.headers
        )
    finally:
        await producer.stop()


def main() -> None:
    """Parse the command line and publish."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap", required=True, help="host:port of a Kafka broker")
    parser.add_argument("--studio-id", default="studio-42")
    parser.add_argument("--external-client-id", default="crm-1001")
    parser.add_argument("--given-name", default="Ada")
    parser.add_argument("--family-name")
    parser.add_argument("--email", action="append", default=[], help="repeat for more")
    parser.add_argument("--phone")
    parser.add_argument("--import-id")
    args = parser.parse_args()
    record = build_record(
        studio_id=args.studio_id,
        external_client_id=args.external_client_id,
        given_name=args.given_name,
        family_name=args.family_name,
        emails=args.email,
        phone=args.phone,
        import_id=args.import_id,
    )
    asyncio.run(publish(args.bootstrap, record))
    print(f"published {dict(record.headers)['ce_id'].decode()} to {record.topic}")


if __name__ == "__main__":
    main()
