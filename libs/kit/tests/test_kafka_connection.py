"""Kafka connection settings: TLS and SASL reach aiokafka and FastStream, or start fails."""

from __future__ import annotations

import ssl
from typing import Any

import pytest
from faststream.security import BaseSecurity, SASLScram512
from pydantic import ValidationError

from frontdesk_kit import ServiceSettings, idempotent_producer

BASE: dict[str, Any] = {
    "database_url": "postgresql://svc@db.internal/svc",
    "kafka_bootstrap_servers": "kafka.internal:9093",
}


def settings(**values: Any) -> ServiceSettings:
    return ServiceSettings(**{**BASE, **values})


def test_plaintext_adds_no_connection_options() -> None:
    plain = settings()
    assert plain.kafka_client_options() == {}
    assert plain.faststream_security() is None


def test_ssl_gives_a_verifying_tls_context_to_both_clients() -> None:
    tls = settings(kafka_security_protocol="SSL")
    options = tls.kafka_client_options()
    assert options["security_protocol"] == "SSL"
    context = options["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    security = tls.faststream_security()
    assert type(security) is BaseSecurity and security.use_ssl


def test_sasl_ssl_passes_mechanism_and_credentials() -> None:
    sasl = settings(
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username="identity",
        kafka_sasl_password="s3cret-from-the-vault",
    )
    options = sasl.kafka_client_options()
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["sasl_plain_username"] == "identity"
    assert options["sasl_plain_password"] == "s3cret-from-the-vault"
    assert isinstance(sasl.faststream_security(), SASLScram512)
    assert "s3cret-from-the-vault" not in repr(sasl)


def test_sasl_ssl_without_credentials_refuses_to_start() -> None:
    with pytest.raises(ValidationError, match="KAFKA_SASL_USERNAME"):
        settings(kafka_security_protocol="SASL_SSL", kafka_sasl_mechanism="PLAIN")


def test_a_missing_ca_file_refuses_to_start() -> None:
    with pytest.raises(ValidationError, match="kafka_ssl_cafile"):
        settings(kafka_security_protocol="SSL", kafka_ssl_cafile="/no/such/ca.pem")


async def test_the_producer_takes_the_connection_options() -> None:
    options = settings(kafka_security_protocol="SSL").kafka_client_options()
    producer = idempotent_producer("kafka.internal:9093", "identity", **options)
    assert producer.client._security_protocol == "SSL"
    assert producer.client._ssl_context is options["ssl_context"]
    await producer.stop()  # never started: nothing to close but the object itself
