"""`python -m frontdesk_devstack.assertion`: an admin assertion, signed as the gateway would.

In production the upstream gateway signs, for every admin call, a short-lived JWT that
names the admin and their studios. Locally nothing stands in front of the services, so
this signs the same JWT with the stand-in gateway key of the stack
(`.local/keys/gateway-signing.pem`, generated at first start) and prints it, to be sent
as `Authorization: Bearer <assertion>`:

    .venv/bin/python -m frontdesk_devstack.assertion --audience frontdesk-identity \\
        --studio studio-42="Studio 42" --admin admin-1

The claims: `sub` (the admin id), `studios` (the studio ids they administer),
`studio_names` ({id: name}, used in email texts), `aud` (the service the call is for:
`frontdesk-identity` or `frontdesk-client-registry`), `iat` and `exp`.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from .config import StackConfig

IDENTITY_AUDIENCE = "frontdesk-identity"
REGISTRY_AUDIENCE = "frontdesk-client-registry"
AUDIENCES = (IDENTITY_AUDIENCE, REGISTRY_AUDIENCE)


def gateway_key(keys_dir: Path) -> Ed25519PrivateKey:
    """The stand-in gateway's Ed25519 signing key of the local stack."""
    key = load_pem_private_key((keys_dir / "gateway-signing.pem").read_bytes(), None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("gateway-signing.pem is not an Ed25519 key")
    return key


def sign_assertion(
    key: Ed25519PrivateKey,
    admin_id: str,
    studios: Mapping[str, str | None],
    audience: str,
    lifetime_seconds: int = 300,
) -> str:
    """An EdDSA JWT with the claims the services verify, valid for `lifetime_seconds`."""
    now = int(time.time())
    claims: dict[str, object] = {"sub": admin_id, "studios": list(studios)}
    names = {studio: name for studio, name in studios.items() if name}
    if names:
        claims["studio_names"] = names
    claims |= {"aud": audience, "iat": now, "exp": now + lifetime_seconds}
    header = {"alg": "EdDSA", "typ": "JWT"}
    signing_input = ".".join(_b64(json.dumps(part).encode()) for part in (header, claims))
    return f"{signing_input}.{_b64(key.sign(signing_input.encode()))}"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _studio(value: str) -> tuple[str, str | None]:
    studio, _, name = value.partition("=")
    if not studio:
        raise argparse.ArgumentTypeError("a studio is ID or ID=NAME")
    return studio, name or None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m frontdesk_devstack.assertion",
        description="Print an admin assertion signed with the local stack's gateway key.",
    )
    parser.add_argument("--audience", required=True, choices=AUDIENCES)
    parser.add_argument(
        "--studio",
        required=True,
        action="append",
        type=_studio,
        metavar="ID[=NAME]",
        help="a studio the admin runs (repeat for several)",
    )
    parser.add_argument("--admin", default="admin-1", help="the admin's id (sub)")
    parser.add_argument("--minutes", type=int, default=5, help="how long it is valid")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    keys_dir = StackConfig.from_env().root / "keys"
    try:
        key = gateway_key(keys_dir)
    except (OSError, ValueError) as error:
        print(f"error: {error} (run `make up` first)", file=sys.stderr)
        return 1
    studios = dict(args.studio)
    print(sign_assertion(key, args.admin, studios, args.audience, args.minutes * 60))
    return 0


if __name__ == "__main__":
    sys.exit(main())
