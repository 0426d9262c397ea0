"""The dev stand-in for the gateway's admin assertion: what both services accept."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest
import time_machine

from frontdesk_devstack import assertion
from frontdesk_devstack.config import StackConfig
from frontdesk_devstack.keys import ensure_dev_keys
from frontdesk_identity.settings import IdentitySettings
from frontdesk_registry.settings import RegistrySettings
from frontdesk_testing import IDENTITY_AUDIENCE, REGISTRY_AUDIENCE, StandInGateway

README = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
NOW = 1_795_000_000


@pytest.fixture
def keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FRONTDESK_STACK_DIR", str(tmp_path))
    folder: Path = ensure_dev_keys(StackConfig.from_env())
    return folder


def _public_pem(keys: Path) -> bytes:
    return (keys / "gateway-public.pem").read_bytes()


def test_the_audiences_are_the_services_own(keys: Path) -> None:
    identity = IdentitySettings.model_fields["gateway_audience"].default
    registry = RegistrySettings.model_fields["gateway_audience"].default

    assert (identity, registry) == (IDENTITY_AUDIENCE, REGISTRY_AUDIENCE)
    assert f"`{identity}`" in README and f"`{registry}`" in README


def test_the_printed_assertion_verifies_with_the_gateway_public_key(
    keys: Path, capsys: pytest.CaptureFixture[str], time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(NOW, tick=False)
    argv = ["--audience", "frontdesk-identity", "--studio", "studio-42=Studio 42"]
    assert assertion.main([*argv, "--studio", "studio-7", "--admin", "maria"]) == 0
    token = capsys.readouterr().out.strip()

    claims = jwt.decode(
        token, _public_pem(keys), algorithms=["EdDSA"], audience="frontdesk-identity"
    )
    assert claims["sub"] == "maria"
    assert claims["studios"] == ["studio-42", "studio-7"]
    assert claims["studio_names"] == {"studio-42": "Studio 42"}
    assert (claims["iat"], claims["exp"]) == (NOW, NOW + 300)


def test_minutes_set_how_long_it_is_valid(
    keys: Path, capsys: pytest.CaptureFixture[str], time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(NOW, tick=False)
    argv = ["--audience", "frontdesk-client-registry", "--studio", "s-1", "--minutes", "30"]
    assert assertion.main(argv) == 0

    claims = jwt.decode(
        capsys.readouterr().out.strip(),
        _public_pem(keys),
        algorithms=["EdDSA"],
        audience="frontdesk-client-registry",
    )
    assert claims["exp"] == NOW + 30 * 60 and "studio_names" not in claims


def test_an_assertion_for_one_service_is_refused_by_the_other(keys: Path) -> None:
    token = StandInGateway.load(keys).assertion("maria", ["studio-42"], audience=IDENTITY_AUDIENCE)

    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(
            token, _public_pem(keys), algorithms=["EdDSA"], audience="frontdesk-client-registry"
        )


def test_another_key_does_not_verify(keys: Path) -> None:
    token = StandInGateway().assertion("maria", ["studio-42"], audience=IDENTITY_AUDIENCE)

    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, _public_pem(keys), algorithms=["EdDSA"], audience="frontdesk-identity")


def test_without_the_stack_keys_it_says_to_run_make_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FRONTDESK_STACK_DIR", str(tmp_path))

    status = assertion.main(["--audience", "frontdesk-identity", "--studio", "studio-42"])

    assert status == 1
    assert "make up" in capsys.readouterr().err
