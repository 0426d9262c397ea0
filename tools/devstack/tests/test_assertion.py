"""The dev stand-in for the gateway's admin assertion: what both services accept."""

from __future__ import annotations

import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from frontdesk_devstack import assertion
from frontdesk_devstack.config import StackConfig
from frontdesk_devstack.keys import ensure_dev_keys
from frontdesk_identity.settings import IdentitySettings
from frontdesk_registry.settings import RegistrySettings

README = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")


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

    assert (identity, registry) == (assertion.IDENTITY_AUDIENCE, assertion.REGISTRY_AUDIENCE)
    assert f"`{identity}`" in README and f"`{registry}`" in README


def test_the_printed_assertion_verifies_with_the_gateway_public_key(
    keys: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--audience", "frontdesk-identity", "--studio", "studio-42=Studio 42"]
    assert assertion.main([*argv, "--studio", "studio-7", "--admin", "maria"]) == 0
    token = capsys.readouterr().out.strip()

    claims = jwt.decode(
        token, _public_pem(keys), algorithms=["EdDSA"], audience="frontdesk-identity"
    )
    assert claims["sub"] == "maria"
    assert claims["studios"] == ["studio-42", "studio-7"]
    assert claims["studio_names"] == {"studio-42": "Studio 42"}
    assert 295 <= claims["exp"] - time.time() <= 300


def test_an_assertion_for_one_service_is_refused_by_the_other(keys: Path) -> None:
    key = assertion.gateway_key(keys)
    token = assertion.sign_assertion(key, "maria", {"studio-42": None}, "frontdesk-identity")

    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(
            token, _public_pem(keys), algorithms=["EdDSA"], audience="frontdesk-client-registry"
        )


def test_another_key_does_not_verify(keys: Path) -> None:
    token = assertion.sign_assertion(
        Ed25519PrivateKey.generate(), "maria", {"studio-42": None}, "frontdesk-identity"
    )

    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, _public_pem(keys), algorithms=["EdDSA"], audience="frontdesk-identity")


def test_without_the_stack_keys_it_says_to_run_make_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FRONTDESK_STACK_DIR", str(tmp_path))

    status = assertion.main(["--audience", "frontdesk-identity", "--studio", "studio-42"])

    assert status == 1
    assert "make up" in capsys.readouterr().err
