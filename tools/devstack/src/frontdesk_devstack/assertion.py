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
`frontdesk-identity` or `frontdesk-client-registry`), `iat` and `exp`. The signing is the
test harness's `StandInGateway`, so tests, the demo and this command sign alike.
"""

from __future__ import annotations

import argparse
import sys

from frontdesk_testing import AUDIENCES, StandInGateway

from .config import StackConfig


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
    """Print the assertion; 1 (with the reason) when the stack's key cannot be read."""
    args = _parser().parse_args(argv)
    try:
        gateway = StandInGateway.load(StackConfig.from_env().root / "keys")
    except (OSError, ValueError) as error:
        print(f"error: {error} (run `make up` first)", file=sys.stderr)
        return 1
    studios = dict(args.studio)
    lifetime = args.minutes * 60
    print(gateway.assertion(args.admin, studios, audience=args.audience, lifetime_seconds=lifetime))
    return 0


if __name__ == "__main__":
    sys.exit(main())
