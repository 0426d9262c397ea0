"""Key pairs on disk as the stack lays them out; addresses no other test uses."""

from __future__ import annotations

import re
from pathlib import Path

from frontdesk_devmail.client import InboxClient as DevmailClient
from frontdesk_testing import InboxClient, load_private_key, unique_address, write_key_pair
from frontdesk_testing.keys import public_pem


def test_a_key_pair_is_written_owner_only_and_loads_back(tmp_path: Path) -> None:
    key = write_key_pair(tmp_path, "identity")

    for name in ("identity-signing.pem", "identity-public.pem"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600
    assert public_pem(load_private_key(tmp_path / "identity-signing.pem")) == public_pem(key)
    assert (tmp_path / "identity-public.pem").read_bytes() == public_pem(key)


def test_unique_addresses_differ_and_keep_their_label() -> None:
    first, second = unique_address("ada"), unique_address("ada", domain="bench.test")

    assert re.fullmatch(r"ada\.[0-9a-f]{12}@example\.test", first)
    assert second.endswith("@bench.test") and first.split("@")[0] != second.split("@")[0]


def test_the_inbox_client_is_devmails_own() -> None:
    assert InboxClient is DevmailClient  # one client, not a copy that drifts
