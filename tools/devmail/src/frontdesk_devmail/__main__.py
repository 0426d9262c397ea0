"""Run devmail: ``python -m frontdesk_devmail [--smtp-port 1025] [--http-port 8025] ...``.

Every option has an environment default (see ``--help``). Logs one line per
received message to stdout (id, recipients, subject; never the body) and stops
cleanly on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from frontdesk_devmail.server import DevmailConfig, DevmailServer

log = logging.getLogger("frontdesk_devmail")


def parse_args(argv: Sequence[str] | None = None) -> DevmailConfig:
    """The configuration from the command line, with environment defaults."""
    env = os.environ.get
    parser = argparse.ArgumentParser(
        prog="python -m frontdesk_devmail",
        description="Development SMTP server with a web inbox and a JSON API for tests.",
    )
    parser.add_argument(
        "--smtp-host",
        default=env("FRONTDESK_DEVMAIL_SMTP_HOST", "127.0.0.1"),
        help="env FRONTDESK_DEVMAIL_SMTP_HOST (default 127.0.0.1)",
    )
    parser.add_argument(
        "--smtp-port",
        type=_port,
        default=env("FRONTDESK_DEVMAIL_SMTP_PORT", "1025"),
        help="env FRONTDESK_DEVMAIL_SMTP_PORT; 0 picks a free port (default 1025)",
    )
    parser.add_argument(
        "--http-host",
        default=env("FRONTDESK_DEVMAIL_HTTP_HOST", "127.0.0.1"),
        help="env FRONTDESK_DEVMAIL_HTTP_HOST (default 127.0.0.1)",
    )
    parser.add_argument(
        "--http-port",
        type=_port,
        default=env("FRONTDESK_DEVMAIL_HTTP_PORT", "8025"),
        help="env FRONTDESK_DEVMAIL_HTTP_PORT; 0 picks a free port (default 8025)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=env("FRONTDESK_DEVMAIL_DATA_DIR", ".devmail"),
        help="where messages are kept across restarts; env FRONTDESK_DEVMAIL_DATA_DIR "
        "(default ./.devmail)",
    )
    parser.add_argument(
        "--auth-optional",
        action="store_true",
        default=env("FRONTDESK_DEVMAIL_AUTH_OPTIONAL", "") in {"1", "true", "yes"},
        help="offer AUTH PLAIN/LOGIN without TLS and accept any credentials, for clients "
        "configured with a login; env FRONTDESK_DEVMAIL_AUTH_OPTIONAL=1",
    )
    parser.add_argument(
        "--fsync",
        action=argparse.BooleanOptionalAction,
        default=env("FRONTDESK_DEVMAIL_FSYNC", "1") not in {"0", "false", "no"},
        help="answer 250 only once a message is on disk; --no-fsync answers once the OS has "
        "it (survives a crash of devmail, not of the machine; faster); "
        "env FRONTDESK_DEVMAIL_FSYNC=0 (default on)",
    )
    args = parser.parse_args(argv)
    return DevmailConfig(
        data_dir=args.data_dir,
        smtp_host=args.smtp_host,
        smtp_port=args.smtp_port,
        http_host=args.http_host,
        http_port=args.http_port,
        auth_optional=args.auth_optional,
        fsync=args.fsync,
    )


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range 0-65535: {port}")
    return port


async def serve(config: DevmailConfig) -> None:
    """Run until SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with DevmailServer(config) as server:
        smtp_host, smtp_port = server.smtp_address
        log.info(
            "devmail ready: smtp %s:%d, inbox %s, data %s",
            smtp_host,
            smtp_port,
            server.base_url,
            config.data_dir,
        )
        await stop.wait()
        log.info("devmail stopping")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m frontdesk_devmail``; returns the exit status."""
    config = parse_args(argv)
    logging.basicConfig(
        stream=sys.stdout, level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s"
    )
    log.setLevel(logging.INFO)
    try:
        asyncio.run(serve(config))
    except OSError as exc:
        hint = (
            " Stop what holds the port, or choose others with --smtp-port/--http-port"
            " (FRONTDESK_DEVMAIL_SMTP_PORT/FRONTDESK_DEVMAIL_HTTP_PORT)."
            if exc.errno == errno.EADDRINUSE
            else ""
        )
        print(f"devmail: cannot start: {exc}.{hint}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
