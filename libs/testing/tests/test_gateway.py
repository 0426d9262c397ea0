"""The stand-in gateway's assertions are what the kit's verifier accepts, and only those."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest
import time_machine

from frontdesk_kit.gateway import GatewayVerifier, NotAuthenticated, load_public_key
from frontdesk_testing import IDENTITY_AUDIENCE, REGISTRY_AUDIENCE, Admin, StandInGateway


def _verifier(gateway: StandInGateway, tmp_path: Path, **options: object) -> GatewayVerifier:
    public = gateway.save(tmp_path)
    return GatewayVerifier(load_public_key(public), audience=IDENTITY_AUDIENCE, **options)  # type: ignore[arg-type]


def test_an_assertion_names_the_admin_their_studios_and_the_known_names(tmp_path: Path) -> None:
    gateway = StandInGateway()
    token = gateway.assertion(
        "maria", {"studio-42": "Studio 42", "studio-7": None}, audience=IDENTITY_AUDIENCE
    )

    admin = _verifier(gateway, tmp_path).verify(token)

    assert admin.admin_id == "maria"
    assert admin.studios == {"studio-42", "studio-7"}
    assert dict(admin.studio_names) == {"studio-42": "Studio 42"}
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 300 and "iss" not in claims


def test_a_list_of_studios_carries_no_names(tmp_path: Path) -> None:
    gateway = StandInGateway()
    token = gateway.assertion("maria", ["s-1", "s-2"], audience=IDENTITY_AUDIENCE)

    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["studios"] == ["s-1", "s-2"] and "studio_names" not in claims
    assert _verifier(gateway, tmp_path).verify(token).studios == {"s-1", "s-2"}


def test_the_issuer_is_signed_when_the_gateway_has_one(tmp_path: Path) -> None:
    gateway = StandInGateway(issuer="platform-gateway")
    verifier = _verifier(gateway, tmp_path, issuer="platform-gateway")

    signed = gateway.assertion("a", ["s"], audience=IDENTITY_AUDIENCE)
    assert verifier.verify(signed).admin_id == "a"
    unsigned = StandInGateway(gateway.key).assertion("a", ["s"], audience=IDENTITY_AUDIENCE)
    with pytest.raises(NotAuthenticated):
        verifier.verify(unsigned)


@pytest.mark.parametrize(
    "forged",
    [
        {"audience": REGISTRY_AUDIENCE},
        {"lifetime_seconds": -60},
        {"sub": None},
        {"exp": None},
        {"studios": "studio-1"},
    ],
    ids=["other-audience", "expired", "no-sub", "no-exp", "studios-not-a-list"],
)
def test_a_flawed_assertion_is_refused(tmp_path: Path, forged: dict[str, object]) -> None:
    gateway = StandInGateway()
    options = {"audience": IDENTITY_AUDIENCE, **forged}

    with pytest.raises(NotAuthenticated):
        _verifier(gateway, tmp_path).verify(gateway.assertion("a", ["studio-1"], **options))  # type: ignore[arg-type]


def test_another_gateways_key_does_not_verify(tmp_path: Path) -> None:
    verifier = _verifier(StandInGateway(), tmp_path)

    with pytest.raises(NotAuthenticated):
        verifier.verify(StandInGateway().assertion("a", ["s"], audience=IDENTITY_AUDIENCE))


def test_an_assertion_expires_after_its_lifetime_without_waiting_for_it(
    tmp_path: Path, time_machine: time_machine.TimeMachineFixture
) -> None:
    gateway = StandInGateway()
    verifier = _verifier(gateway, tmp_path, leeway_seconds=0)
    time_machine.move_to("2026-11-27T09:00:00Z", tick=False)
    token = gateway.assertion("a", ["s"], audience=IDENTITY_AUDIENCE, lifetime_seconds=60)

    time_machine.shift(59)
    assert verifier.verify(token).admin_id == "a"
    time_machine.shift(2)
    with pytest.raises(NotAuthenticated):
        verifier.verify(token)


def test_a_saved_gateway_loads_back_with_the_same_key(tmp_path: Path) -> None:
    gateway = StandInGateway()
    public = gateway.save(tmp_path)

    loaded = StandInGateway.load(tmp_path)

    assert loaded.public_pem() == gateway.public_pem() == public.read_bytes()
    assert (tmp_path / "gateway-signing.pem").stat().st_mode & 0o777 == 0o600


def test_loading_a_key_of_another_kind_names_the_file(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    other = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (tmp_path / "gateway-signing.pem").write_bytes(other)

    with pytest.raises(ValueError, match=r"gateway-signing\.pem is not an Ed25519 key"):
        StandInGateway.load(tmp_path)


def test_headers_carry_the_assertion_as_a_bearer_token(tmp_path: Path) -> None:
    gateway = StandInGateway()
    headers = gateway.headers("a", ["s"], audience=IDENTITY_AUDIENCE)

    scheme, token = headers["Authorization"].split(" ")
    assert scheme == "Bearer" and _verifier(gateway, tmp_path).verify(token).admin_id == "a"


def test_an_admin_signs_for_each_service_with_their_studios(tmp_path: Path) -> None:
    gateway = StandInGateway()
    admin = Admin("tom", {"climb-1": "Climb Hall"}, gateway)
    verifier = _verifier(gateway, tmp_path)

    _, token = admin.identity()["Authorization"].split(" ")
    assert verifier.verify(token).studio_name("climb-1") == "Climb Hall"
    assert admin.studio_id == "climb-1"
    _, other = admin.registry()["Authorization"].split(" ")
    with pytest.raises(NotAuthenticated):
        verifier.verify(other)  # meant for client-registry
