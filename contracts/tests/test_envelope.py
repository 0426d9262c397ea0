"""The envelope: built from its payload, consistent with it, typed for consumers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from frontdesk_contracts import (
    AccountImported,
    ClientImported,
    Envelope,
    FirstLogin,
    PasswordChanged,
    UnexpectedEvent,
    envelope_model,
    from_record,
    new_event,
    to_record,
    uuid7,
)


def _imported() -> ClientImported:
    return ClientImported(studio_id="studio-1", external_client_id="ext-1", given_name="Ada")


def test_new_event_takes_its_facts_from_the_payload() -> None:
    before = datetime.now(UTC)

    event = new_event(_imported())

    assert (event.type, event.schema_version, event.source) == ("ClientImported", 1, "platform")
    assert (event.subject, event.studio_id) == ("ext-1", "studio-1")
    assert event.id.version == 7
    assert event.correlation_id == str(event.id)
    assert event.causation_id is None
    assert before <= event.time <= datetime.now(UTC)


def test_an_event_caused_by_another_shares_its_correlation() -> None:
    first = new_event(_imported(), correlation_id="http-request-9")
    payload = AccountImported(
        account_id="acc-1", studio_id="studio-1", external_client_id="ext-1", given_name="Ada"
    )

    second = new_event(payload, cause=first)

    assert second.correlation_id == "http-request-9"
    assert second.causation_id == str(first.id)
    assert second.subject == "acc-1"


def test_time_is_kept_in_utc() -> None:
    local = datetime(2030, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))

    event = new_event(FirstLogin(account_id="acc-1"), time=local)

    assert event.time == local
    assert event.time.tzinfo == UTC
    assert event.time.hour == 10


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("type", "PasswordChanged"),
        ("schema_version", 2),
        ("source", "identity"),
        ("subject", "ext-2"),
        ("studio_id", None),
    ],
)
def test_an_envelope_must_agree_with_its_payload(field: str, value: object) -> None:
    facts = new_event(_imported()).model_dump()
    facts[field] = value

    with pytest.raises(ValidationError, match=field):
        envelope_model(ClientImported).model_validate(facts)


def test_an_event_id_must_be_a_uuid7() -> None:
    facts = new_event(_imported()).model_dump()
    facts["id"] = uuid.uuid4()

    with pytest.raises(ValidationError, match="version 7"):
        envelope_model(ClientImported).model_validate(facts)


def test_a_consumer_narrows_to_the_payload_it_expects() -> None:
    record = to_record(new_event(PasswordChanged(account_id="a", email="a@b.co", via="settings")))
    event = from_record(record.value, record.headers)

    changed: Envelope[PasswordChanged] = event.narrow(PasswordChanged)

    assert changed.payload.via == "settings"
    with pytest.raises(UnexpectedEvent, match="expected FirstLogin v1, got PasswordChanged v1"):
        event.narrow(FirstLogin)


def test_consumers_can_match_on_the_payload_type() -> None:
    event = from_record(to_record(new_event(FirstLogin(account_id="acc-9"))).value)

    match event.payload:
        case FirstLogin(account_id=account):
            assert account == "acc-9"
        case _:
            pytest.fail("not a FirstLogin")


def test_events_are_immutable() -> None:
    event = new_event(FirstLogin(account_id="acc-1"))

    with pytest.raises(ValidationError):
        event.subject = "acc-2"
    with pytest.raises(ValidationError):
        event.payload.account_id = "acc-2"


def test_an_explicit_event_id_is_kept() -> None:
    event_id = uuid7()

    assert new_event(FirstLogin(account_id="a"), event_id=event_id).id == event_id


def test_password_reset_by_admin_names_the_admin() -> None:
    from frontdesk_contracts import PasswordResetRequested, SealedSecret

    token = SealedSecret(key_id="k", ciphertext="A" * 88)
    fields = {
        "account_id": "a",
        "email": "a@b.co",
        "reset_token": token,
        "expires_at": datetime(2030, 1, 1, tzinfo=UTC),
    }

    with pytest.raises(ValidationError, match="admin_id"):
        PasswordResetRequested(**fields, requested_by="admin")
    with pytest.raises(ValidationError, match="admin_id"):
        PasswordResetRequested(**fields, requested_by="self", admin_id="x")
