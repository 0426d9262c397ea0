"""HEALTHCHECK of the Python images: GET the liveness page of what this container runs.

The program is found from the container's first process (`python -m <module>`), and
its address from its own settings, read from the same variables it reads: a service's
`FRONTDESK_<SERVICE>_HTTP_HOST`/`_HTTP_PORT` (its `/healthz`), the dev inbox's
`FRONTDESK_DEVMAIL_HTTP_HOST`/`_HTTP_PORT` (its `/api/health`). Exit 0 when it answers
200, 1 otherwise, as Docker expects.
"""

from __future__ import annotations

import os
import sys
import urllib.request
from pathlib import Path

# module: (variable prefix, default port, path); the defaults are the programs' own.
PROGRAMS = {
    "frontdesk_identity": ("FRONTDESK_IDENTITY_", "18081", "/healthz"),
    "frontdesk_registry": ("FRONTDESK_REGISTRY_", "18082", "/healthz"),
    "frontdesk_notifications": ("FRONTDESK_NOTIFICATIONS_", "18083", "/healthz"),
    "frontdesk_devmail": ("FRONTDESK_DEVMAIL_", "8025", "/api/health"),
}


def running_module() -> str:
    """The module of `python -m <module>`, the container's first process."""
    argv = Path("/proc/1/cmdline").read_bytes().decode().split("\0")
    return argv[argv.index("-m") + 1] if "-m" in argv else ""


def url(module: str) -> str:
    prefix, port, path = PROGRAMS[module]
    host = os.environ.get(f"{prefix}HTTP_HOST", "127.0.0.1")
    if host in {"0.0.0.0", "::", ""}:  # noqa: S104 - listening everywhere answers on loopback
        host = "127.0.0.1"
    return f"http://{host}:{os.environ.get(f'{prefix}HTTP_PORT', port)}{path}"


def main() -> int:
    module = running_module()
    if module not in PROGRAMS:
        print(f"healthz: no health page known for {module!r}", file=sys.stderr)
        return 1
    try:
        with urllib.request.urlopen(url(module), timeout=3) as reply:  # noqa: S310
            return 0 if reply.status == 200 else 1
    except OSError as error:
        print(f"healthz: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
