"""The stack's development keys: made once, owner-only, the gateway's usable by the harness."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontdesk_devstack.config import StackConfig
from frontdesk_devstack.keys import ensure_dev_keys
from frontdesk_testing import StandInGateway

FILES = [
    "sealing-private.json",
    "sealing-public.json",
    "ops-token",
    "identity-token-digest.key",
    "identity-signing.pem",
    "identity-public.pem",
    "gateway-signing.pem",
    "gateway-public.pem",
]


@pytest.fixture
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StackConfig:
    monkeypatch.setenv("FRONTDESK_STACK_DIR", str(tmp_path))
    return StackConfig.from_env()


def test_every_key_is_made_readable_by_its_owner_only(cfg: StackConfig) -> None:
    keys = ensure_dev_keys(cfg)

    assert sorted(p.name for p in keys.iterdir()) == sorted(FILES)
    assert keys.stat().st_mode & 0o777 == 0o700
    assert {(keys / name).stat().st_mode & 0o777 for name in FILES} == {0o600}


def test_a_second_start_keeps_the_keys_it_finds(cfg: StackConfig) -> None:
    keys = ensure_dev_keys(cfg)
    before = {name: (keys / name).read_bytes() for name in FILES}

    ensure_dev_keys(cfg)

    assert {name: (keys / name).read_bytes() for name in FILES} == before


def test_the_gateway_key_is_the_stand_in_gateways(cfg: StackConfig) -> None:
    keys = ensure_dev_keys(cfg)

    gateway = StandInGateway.load(keys)

    assert gateway.public_pem() == (keys / "gateway-public.pem").read_bytes()
