"""The access-token claims: what identity issues parses, anything else is refused."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from frontdesk_contracts import (
    ACCESS_TOKEN_ALGORITHM,
    ACCESS_TOKEN_AUDIENCE,
    ACCESS_TOKEN_ISSUER,
    AccessTokenClaims,
)
from frontdesk_contracts.generate import SCHEMA_DIR
from frontdesk_contracts.schema import ACCESS_TOKEN_SCHEMA_FILE, access_token_schema

CONTRACTS = Path(__file__).resolve().parents[1]


def issued(**changes: Any) -> dict[str, Any]:
    """The claims identity issues today (no ``ver`` yet), with `changes` applied."""
    claims: dict[str, Any] = {
        "iss": "frontdesk-identity",
        "aud": "frontdesk",
        "sub": "acc-1",
        "sid": "ses-1",
        "iat": 1_767_225_600,
        "exp": 1_767_226_500,
        "jti": str(uuid.uuid4()),
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def test_the_constants_are_the_tokens_header_and_claims() -> None:
    assert (ACCESS_TOKEN_ISSUER, ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ALGORITHM) == (
        "frontdesk-identity",
        "frontdesk",
        "EdDSA",
    )


def test_the_claims_identity_issues_parse_as_version_1() -> None:
    raw = issued()

    claims = AccessTokenClaims.model_validate(raw)

    assert (claims.iss, claims.aud) == ("frontdesk-identity", "frontdesk")
    assert (claims.sub, claims.sid) == ("acc-1", "ses-1")
    assert (claims.iat, claims.exp) == (raw["iat"], raw["exp"])
    assert str(claims.jti) == raw["jti"]
    assert claims.ver == 1


def test_the_claims_round_trip_through_json() -> None:
    claims = AccessTokenClaims.model_validate(issued(ver=1))

    dumped = claims.model_dump(mode="json")

    assert dumped == issued(ver=1, jti=str(claims.jti))
    assert AccessTokenClaims.model_validate(json.loads(json.dumps(dumped))) == claims


def test_unknown_claims_are_ignored() -> None:
    claims = AccessTokenClaims.model_validate(issued(nonce="n-1"))

    assert "nonce" not in claims.model_dump()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"sid": None}, "sid", id="missing-sid"),
        pytest.param({"sub": None}, "sub", id="missing-sub"),
        pytest.param({"exp": None}, "exp", id="missing-exp"),
        pytest.param({"iss": "someone-else"}, "iss", id="wrong-iss"),
        pytest.param({"aud": "frontdesk-identity"}, "aud", id="wrong-aud"),
        pytest.param({"aud": ["frontdesk"]}, "aud", id="aud-as-a-list"),
        pytest.param({"ver": 2}, "ver", id="wrong-ver"),
        pytest.param({"iat": "1767225600"}, "iat", id="iat-as-text"),
        pytest.param({"sub": "acc 1"}, "sub", id="sub-with-a-space"),
        pytest.param({"jti": "not-a-uuid"}, "jti", id="jti-not-a-uuid"),
    ],
)
def test_claims_that_break_the_contract_are_refused(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        AccessTokenClaims.model_validate(issued(**changes))

    assert [error["loc"][0] for error in refused.value.errors()] == [field]


def test_a_token_that_expires_before_it_is_issued_is_refused() -> None:
    with pytest.raises(ValidationError, match="exp must be later than iat"):
        AccessTokenClaims.model_validate(issued(exp=1_767_225_600))


def test_the_claims_are_frozen() -> None:
    claims = AccessTokenClaims.model_validate(issued())

    with pytest.raises(ValidationError):
        claims.sub = "acc-2"


def test_the_token_carries_no_email() -> None:
    properties = access_token_schema()["properties"]

    assert not [name for name in properties if "email" in name]
    assert not [name for name in AccessTokenClaims.model_fields if "email" in name]


def test_the_schema_requires_the_claims_and_pins_issuer_audience_and_version() -> None:
    schema = access_token_schema()

    assert schema["$id"] == "urn:frontdesk:access-token:v1"
    assert sorted(schema["required"]) == ["aud", "exp", "iat", "iss", "jti", "sid", "sub"]
    assert schema["properties"]["iss"]["const"] == ACCESS_TOKEN_ISSUER
    assert schema["properties"]["aud"]["const"] == ACCESS_TOKEN_AUDIENCE
    assert schema["properties"]["ver"]["const"] == 1
    assert "identity" in schema["description"] and "client-registry" in schema["description"]


def test_the_schema_is_generated_beside_the_event_schemas() -> None:
    committed = CONTRACTS / SCHEMA_DIR / ACCESS_TOKEN_SCHEMA_FILE

    assert json.loads(committed.read_text(encoding="utf-8")) == access_token_schema()
