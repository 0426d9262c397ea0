"""The composition root: SMTP, the web inbox and the JSON API in one process, on one loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import uvicorn
from fastapi import FastAPI

from frontdesk_devmail.faults import Clock, FaultBook
from frontdesk_devmail.inbox import Inbox
from frontdesk_devmail.smtp import DevmailHandler, SmtpServer
from frontdesk_devmail.store import MessageStore
from frontdesk_devmail.web import create_app

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DevmailConfig:
    """Where devmail listens and keeps its messages. Port 0 picks a free port."""

    data_dir: Path
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    http_host: str = "127.0.0.1"
    http_port: int = 8025
    auth_optional: bool = False
    hostname: str = "devmail.localhost"
    fsync: bool = True
    """Answer 250 once a message is on disk (True) or once the OS has it (False: faster)."""


class _EmbeddedUvicorn(uvicorn.Server):
    """Uvicorn that leaves the signals to the process that embeds it, and says when it is up."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


class DevmailServer:
    """A running devmail: use ``async with DevmailServer(config) as server``.

    After start, ``smtp_address`` and ``base_url`` tell where it actually
    listens (useful with port 0), and ``inbox`` is the live message store.
    """

    def __init__(self, config: DevmailConfig, *, clock: Clock = time.monotonic) -> None:
        """Prepare a server for ``config``; nothing is opened before ``start()``.

        ``clock`` ends the time-bounded faults (a test may pass one it moves).
        """
        self.config = config
        self._clock = clock
        self.smtp_address: tuple[str, int] = (config.smtp_host, config.smtp_port)
        self.http_address: tuple[str, int] = (config.http_host, config.http_port)
        self._store: MessageStore | None = None
        self._inbox: Inbox | None = None
        self._smtp: SmtpServer | None = None
        self._http: _EmbeddedUvicorn | None = None
        self._http_task: asyncio.Task[None] | None = None

    @property
    def base_url(self) -> str:
        """The web inbox and API root, e.g. ``http://127.0.0.1:8025``."""
        host, port = self.http_address
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    @property
    def inbox(self) -> Inbox:
        """The live inbox; only while running."""
        if self._inbox is None:
            raise RuntimeError("devmail is not running")
        return self._inbox

    async def start(self) -> None:
        """Open the store, then listen for SMTP and HTTP; raises OSError if a port is taken."""
        self._store = await asyncio.to_thread(
            MessageStore.open, self.config.data_dir, fsync=self.config.fsync
        )
        self._inbox = Inbox(self._store)
        faults = FaultBook(self._clock)
        try:
            self._smtp = SmtpServer(
                DevmailHandler(self._inbox, faults),
                hostname=self.config.hostname,
                auth_optional=self.config.auth_optional,
            )
            self.smtp_address = await self._smtp.start(self.config.smtp_host, self.config.smtp_port)
            await self._start_http(create_app(self._inbox, faults, self._smtp))
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop SMTP, answer long polls, finish pending writes, stop HTTP, close the store.

        Safe to call more than once.
        """
        if self._smtp is not None:
            await self._smtp.stop()
            self._smtp = None
        if self._inbox is not None:
            await self._inbox.close()
        if self._http is not None and self._http_task is not None:
            self._http.should_exit = True
            await self._http_task
        self._http = self._http_task = None
        self._inbox = None
        if self._store is not None:
            await asyncio.to_thread(self._store.close)
            self._store = None

    async def __aenter__(self) -> DevmailServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _start_http(self, app: FastAPI) -> None:
        http_socket = _listen(self.config.http_host, self.config.http_port)
        self.http_address = http_socket.getsockname()[:2]
        config = uvicorn.Config(
            app,
            lifespan="off",
            http="h11",
            ws="none",
            access_log=False,
            log_config=None,
            server_header=False,
            timeout_graceful_shutdown=2,
            # Longer than a client keeps an idle connection (httpx: 5 s, uvicorn's default
            # here too): else the server may close one just as a client reuses it, and
            # that request fails ("Server disconnected without sending a response").
            timeout_keep_alive=75,
        )
        server = _EmbeddedUvicorn(config)
        task = asyncio.create_task(server.serve(sockets=[http_socket]))
        # The socket already listens, so clients may connect now; this only
        # surfaces a failed start-up here rather than in a forgotten task.
        ready = asyncio.create_task(server.ready.wait())
        await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
        if not ready.done():
            ready.cancel()
            http_socket.close()
            task.result()
            raise RuntimeError("the HTTP server stopped during start-up")
        self._http, self._http_task = server, task


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family)
    sock.setblocking(False)
    return sock
