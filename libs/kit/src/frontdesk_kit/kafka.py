"""The one way services build Kafka producers: idempotent, acks=all."""

from __future__ import annotations

from typing import Any

from aiokafka import AIOKafkaProducer


def idempotent_producer(
    bootstrap_servers: str, client_id: str, **connection: Any
) -> AIOKafkaProducer:
    """A producer that never reorders or duplicates within a partition on retry.

    `connection` carries TLS/SASL options (`ServiceSettings.kafka_client_options()`).
    Start it in the service's lifespan (`await producer.start()`) and stop it there.
    """
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        max_batch_size=256 * 1024,
        request_timeout_ms=30000,
        **connection,
    )
