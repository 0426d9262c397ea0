"""Development keys, generated at first start, kept under `.local/keys/` (never in git).

- `sealing-private.json` / `sealing-public.json`: notifications' X25519 key pair, by key
  id; identity seals email links to the public half, notifications opens them.
- `identity-signing.pem`: identity's Ed25519 key for access tokens (it publishes JWKS).
- `ops-token`: the bearer token of the services' /ops APIs (and the `frontdesk` CLI's
  FRONTDESK_OPS_TOKEN).
- `identity-token-digest.key`: identity's HMAC key for the digests of one-time tokens.
- `gateway-signing.pem` / `gateway-public.pem`: the stand-in for the upstream gateway's
  key, so tests and the demo can sign admin assertions that identity and
  client-registry verify with the public half.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from frontdesk_contracts import generate_key_pair
from frontdesk_testing.keys import write_key_pair, write_private

from .config import StackConfig

SEALING_KEY_ID = "dev-1"


def ensure_dev_keys(cfg: StackConfig) -> Path:
    """Create every missing development key; return the keys folder."""
    keys = cfg.dir("keys")
    keys.chmod(0o700)
    if not (keys / "sealing-private.json").exists():
        pair = generate_key_pair(SEALING_KEY_ID)
        _write(
            keys / "sealing-private.json",
            json.dumps({pair.key_id: pair.encoded_private_key().reveal()}),
        )
        _write(keys / "sealing-public.json", json.dumps({pair.key_id: pair.encoded_public_key()}))
    if not (keys / "ops-token").exists():
        _write(keys / "ops-token", secrets.token_urlsafe(32))
    if not (keys / "identity-token-digest.key").exists():
        _write(keys / "identity-token-digest.key", secrets.token_urlsafe(32))
    for name in ("identity", "gateway"):
        if not (keys / f"{name}-signing.pem").exists():
            write_key_pair(keys, name)
    return keys


def _write(path: Path, text: str) -> None:
    write_private(path, text.encode())
