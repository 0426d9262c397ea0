"""Sealed secrets: they open only with the right key, and plaintext never shows."""

from __future__ import annotations

import base64
import logging
import typing
from collections.abc import Callable

import pytest
from pydantic import BaseModel, ValidationError

from frontdesk_contracts import (
    REGISTRY,
    CannotOpenSecret,
    EventPayload,
    InvalidKey,
    KeyPair,
    KeyRing,
    SealedSecret,
    Secret,
    UnknownKeyId,
    decode_private_key,
    decode_public_key,
    encode_key,
    from_record,
    generate_key_pair,
    new_event,
    seal,
    to_record,
)

PLAINTEXT_PREFIX = "PLAINTEXT-"
Sample = Callable[[type[EventPayload]], EventPayload]


def _sealed_fields(model: type[BaseModel]) -> list[str]:
    return [
        name
        for name, field in model.model_fields.items()
        if SealedSecret in (field.annotation, *typing.get_args(field.annotation))
    ]


EVENTS_WITH_SECRETS = [model for model in REGISTRY if _sealed_fields(model)]


def test_a_sealed_secret_opens_with_the_receivers_key(key_pair: KeyPair) -> None:
    sealed = seal("tok-123", key_pair.encoded_public_key(), key_pair.key_id)

    opened = KeyRing.of(key_pair).open(sealed)

    assert opened.reveal() == "tok-123"
    assert sealed.key_id == key_pair.key_id
    assert sealed.algorithm == "x25519-sealedbox"
    assert "tok-123" not in sealed.model_dump_json()


def test_sealing_twice_gives_different_ciphertexts(key_pair: KeyPair) -> None:
    first = seal("same", key_pair.public_key, key_pair.key_id)
    second = seal("same", key_pair.public_key, key_pair.key_id)

    assert first.ciphertext != second.ciphertext


def test_a_secret_never_shows_its_plaintext(caplog: pytest.LogCaptureFixture) -> None:
    secret = Secret("hunter2")

    shown = [repr(secret), str(secret), f"{secret}", f"{secret!r}", f"{secret:>20}"]
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("opened %s %r", secret, secret)

    assert all("hunter2" not in text for text in shown)
    assert "hunter2" not in caplog.text
    assert secret.reveal() == "hunter2"
    assert secret == Secret("hunter2") and secret != Secret("hunter3")


def test_there_are_events_with_secrets() -> None:
    assert {model.event_type for model in EVENTS_WITH_SECRETS} >= {
        "AccountCreatedByAdmin",
        "WelcomeEmailRequested",
        "CreateLoginLinkRequested",
        "EmailVerificationRequested",
        "PasswordResetRequested",
    }


@pytest.mark.parametrize("model", EVENTS_WITH_SECRETS, ids=lambda m: m.event_type)
def test_no_way_of_showing_an_event_reveals_its_secrets(
    model: type[EventPayload], sample: Sample, key_ring: KeyRing
) -> None:
    event = new_event(sample(model))
    record = to_record(event)

    shown = [
        repr(event),
        str(event),
        event.model_dump_json(),
        str(event.model_dump()),
        str(event.model_dump(mode="json")),
        record.value.decode(),
        str(record.headers),
        repr(from_record(record.value, record.headers)),
    ]

    assert all(PLAINTEXT_PREFIX not in text for text in shown)
    for name in _sealed_fields(model):
        assert key_ring.open(getattr(event.payload, name)).reveal().startswith(PLAINTEXT_PREFIX)


SECRET_WORDS = ("token", "code", "secret", "password", "otp", "pin")


@pytest.mark.parametrize("model", list(REGISTRY), ids=lambda m: m.event_type)
def test_every_secret_looking_field_is_sealed(model: type[EventPayload]) -> None:
    def walk(owner: type[BaseModel]) -> list[str]:
        wrong = []
        for name, field in owner.model_fields.items():
            types = (field.annotation, *typing.get_args(field.annotation))
            nested = [t for t in types if isinstance(t, type) and issubclass(t, BaseModel)]
            if any(word in name for word in SECRET_WORDS) and SealedSecret not in types:
                wrong.append(f"{owner.__name__}.{name}")
            for inner in nested:
                if inner is not SealedSecret:
                    wrong.extend(walk(inner))
        return wrong

    assert walk(model) == []


def test_an_unknown_key_id_is_a_typed_error(key_pair: KeyPair) -> None:
    rotated = generate_key_pair("notifications-2027-01")
    sealed = seal("tok", rotated.public_key, rotated.key_id)

    with pytest.raises(UnknownKeyId, match="notifications-2027-01") as raised:
        KeyRing.of(key_pair).open(sealed)

    assert raised.value.key_id == "notifications-2027-01"


def test_a_ring_opens_secrets_of_old_and_new_keys_during_rotation(key_pair: KeyPair) -> None:
    rotated = generate_key_pair("notifications-2027-01")
    ring = KeyRing.of(key_pair, rotated)

    old = seal("old", key_pair.public_key, key_pair.key_id)
    new = seal("new", rotated.public_key, rotated.key_id)

    assert (ring.open(old).reveal(), ring.open(new).reveal()) == ("old", "new")


def test_a_secret_sealed_to_another_key_under_a_known_id_does_not_open(key_pair: KeyPair) -> None:
    impostor = generate_key_pair(key_pair.key_id)
    sealed = seal("tok", impostor.public_key, key_pair.key_id)

    with pytest.raises(CannotOpenSecret):
        KeyRing.of(key_pair).open(sealed)


def test_keys_survive_serialisation(key_pair: KeyPair) -> None:
    private = key_pair.encoded_private_key()
    ring = KeyRing.from_encoded({key_pair.key_id: private})
    sealed = seal("tok", decode_public_key(key_pair.encoded_public_key()), key_pair.key_id)

    assert ring.open(sealed).reveal() == "tok"
    assert encode_key(decode_private_key(private)) == private.reveal()
    assert encode_key(ring.public_key(key_pair.key_id)) == key_pair.encoded_public_key()


def test_private_keys_do_not_show_in_reprs(key_pair: KeyPair) -> None:
    private = key_pair.encoded_private_key().reveal()

    assert private not in repr(key_pair)
    assert private not in repr(KeyRing.of(key_pair))
    assert private not in str(key_pair.encoded_private_key())


@pytest.mark.parametrize(
    "encoded",
    ["not base64!", base64.b64encode(b"short").decode(), base64.b64encode(bytes(33)).decode()],
)
def test_a_malformed_key_is_a_typed_error(encoded: str) -> None:
    with pytest.raises(InvalidKey):
        decode_public_key(encoded)
    with pytest.raises(InvalidKey):
        decode_private_key(encoded)


def test_a_key_id_must_be_a_plain_name() -> None:
    with pytest.raises(InvalidKey):
        generate_key_pair("has spaces")


@pytest.mark.parametrize(
    "fields",
    [
        {"key_id": "k", "ciphertext": "not base64!"},
        {"key_id": "k", "ciphertext": base64.b64encode(bytes(48)).decode()},
        {"key_id": "k", "ciphertext": base64.b64encode(bytes(64)).decode(), "algorithm": "rsa"},
        {"key_id": "", "ciphertext": base64.b64encode(bytes(64)).decode()},
    ],
)
def test_a_malformed_sealed_secret_is_refused(fields: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        SealedSecret.model_validate(fields)
