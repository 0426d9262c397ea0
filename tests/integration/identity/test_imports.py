"""Imported clients become accounts without a login; no email; each client once."""

from __future__ import annotations

import asyncio

import pytest

from frontdesk_contracts import (
    ClientImported,
    ClientsImportedBatch,
    ImportedClient,
    new_event,
)
from frontdesk_testing import eventually

pytestmark = pytest.mark.integration


def imported(external_id: str, *emails: str, studio: str = "studio-1"):  # type: ignore[no-untyped-def]
    return new_event(
        ClientImported(
            studio_id=studio,
            external_client_id=external_id,
            given_name="Grace",
            emails=list(emails),
        )
    )


async def test_an_imported_client_gets_an_account_without_login_and_no_email(
    service, keys, events, publish
):
    cause = imported("ext-1", "grace@example.com")
    await publish(cause)
    [event] = await events.wait("AccountImported")
    assert event.payload.external_client_id == "ext-1"
    assert event.payload.emails == ["grace@example.com"]
    assert event.correlation_id == cause.correlation_id
    assert event.causation_id == str(cause.id)
    assert set(events.types()) == {"AccountImported"}  # nothing that would send an email

    view = await service.http.get(
        f"/v1/admin/studios/studio-1/clients/{event.payload.account_id}/access",
        headers=keys.admin.identity(),
    )
    assert view.status_code == 200
    assert view.json()["has_login"] is False
    assert view.json()["ever_logged_in"] is False
    assert view.json()["resend_welcome_allowed"] is True


async def test_importing_the_same_client_again_changes_nothing(service, events, publish):
    first = imported("ext-1", "grace@example.com")
    await publish(first)
    await publish(first)  # redelivered
    await publish(imported("ext-1", "grace@example.com"))  # re-imported by a new event
    await publish(imported("ext-1", studio="studio-2"))  # same external id, other studio
    await publish(imported("ext-2"))
    await events.wait("AccountImported", count=3)
    found = await events.settle()
    keys_seen = sorted((e.payload.studio_id, e.payload.external_client_id) for e in found)
    assert keys_seen == [("studio-1", "ext-1"), ("studio-1", "ext-2"), ("studio-2", "ext-1")]


async def test_a_batch_imports_every_client(service, events, publish):
    clients = [
        ImportedClient(external_client_id=f"ext-{n}", given_name=f"Client {n}") for n in range(50)
    ]
    batch = ClientsImportedBatch(
        studio_id="studio-1", import_id="run-1", batch_number=1, clients=clients
    )
    await publish(new_event(batch))
    found = await events.wait("AccountImported", count=50)
    assert {e.payload.external_client_id for e in found} == {f"ext-{n}" for n in range(50)}


async def test_imports_published_at_once_are_each_applied_once(service, events, publish):
    # Published without waiting in between: the consumer fetches them in batches, one
    # transaction each, with repeats inside one batch.
    causes = [imported(f"ext-{n}", f"client{n}@example.com") for n in range(300)]
    repeats = [causes[7], imported("ext-8", "again@example.com")]
    await asyncio.gather(*(publish(cause) for cause in [*causes, *repeats]))
    found = await events.wait("AccountImported", count=300)
    assert len(await events.settle()) == 300
    by_client = {e.payload.external_client_id: e for e in found}
    assert by_client["ext-8"].payload.emails == ["client8@example.com"]
    assert by_client["ext-8"].causation_id == str(causes[8].id)


async def test_malformed_and_unknown_records_go_to_the_dead_letter_topic(
    service, events, publish, producer, topic_namespace, read_topic
):
    topic = topic_namespace + "platform.client-imports.v1"
    await (await producer.send(topic, value=b"{not json", key=b"studio-1"))
    await publish(imported("ext-after"))
    await events.wait("AccountImported", external_client_id="ext-after")
    [letter] = await read_topic(topic_namespace + "frontdesk-identity.dlq", expected=1)
    headers = {k: v.decode() for k, v in letter.headers}
    assert headers["dlq_original_topic"] == topic
    assert letter.value == b"{not json"


async def test_an_event_identity_does_not_handle_is_counted_not_dead_lettered(
    service, topic_namespace, read_topic, producer
):
    # An identity event published on the registry topic by mistake: parseable, unexpected.
    # One policy for every service (issue 12): skipped and counted, never dead-lettered.
    from frontdesk_contracts import FirstLogin, to_record

    stray = to_record(new_event(FirstLogin(account_id="acc-1")))
    topic = topic_namespace + "frontdesk.client-registry.v1"
    await (await producer.send(topic, value=stray.value, key=stray.key, headers=stray.headers))
    registry = service.app.state.running.metrics.registry
    sample = ("frontdesk_events_skipped_total", {"type": "FirstLogin"})

    async def counted() -> float:
        value = registry.get_sample_value(*sample)
        assert value is not None, "the stray event was not counted"
        return float(value)

    assert await eventually(counted, timeout=20, interval=0.1) == 1.0
    assert await read_topic(topic_namespace + "frontdesk-identity.dlq", expected=0) == []
