"""Real devmail instances on free loopback ports, and an SMTP sender for the tests."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import signal
import smtplib
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

import aiosmtplib
import httpx
import pytest

from frontdesk_devmail.client import InboxClient
from frontdesk_devmail.server import DevmailConfig, DevmailServer

SENDER = "Frontdesk <noreply@frontdesk.test>"


def compose(
    to: str | list[str],
    subject: str,
    text: str,
    html: str | None = None,
    sender: str = SENDER,
) -> EmailMessage:
    """A text message, multipart/alternative when ``html`` is given."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to if isinstance(to, str) else ", ".join(to)
    message["Subject"] = subject
    message["Message-ID"] = f"<{abs(hash((subject, text)))}@frontdesk.test>"
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def smtp_send(
    address: tuple[str, int],
    message: EmailMessage,
    *,
    login: tuple[str, str] | None = None,
) -> dict[str, tuple[int, bytes]]:
    """Send over real SMTP; returns the recipients refused (smtplib raises if all are)."""
    with smtplib.SMTP(*address, timeout=10) as client:
        if login is not None:
            client.login(*login)
        return client.send_message(message)


class SendMail(Protocol):
    """``await send_mail(to, subject, text, html=None, login=None)``: refused recipients."""

    def __call__(
        self,
        to: str | list[str],
        subject: str = "Hello",
        text: str = "Hello there.",
        html: str | None = None,
        *,
        login: tuple[str, str] | None = None,
    ) -> Awaitable[dict[str, tuple[int, bytes]]]: ...


async def send_to(
    address: tuple[str, int],
    to: str | list[str],
    subject: str = "Hello",
    text: str = "Hello there.",
    html: str | None = None,
    *,
    login: tuple[str, str] | None = None,
) -> dict[str, tuple[int, bytes]]:
    """Compose and send a message over SMTP, in a thread (smtplib blocks)."""
    message = compose(to, subject, text, html)
    return await asyncio.to_thread(smtp_send, address, message, login=login)


async def aio_send(
    address: tuple[str, int], to: str, subject: str = "Hello", *, timeout: float = 30
) -> str:
    """Send one message with aiosmtplib (as the notifications service does); the final reply."""
    _, reply = await aiosmtplib.send(
        compose(to, subject, f"Body of {subject}"),
        hostname=address[0],
        port=address[1],
        timeout=timeout,
    )
    return reply


class FakeClock:
    """A monotonic clock a test moves by hand, for the time-bounded faults."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    """The clock of the ``devmail`` fixture's time-bounded faults."""
    return FakeClock()


@pytest.fixture
async def devmail(tmp_path: Path, clock: FakeClock) -> AsyncIterator[DevmailServer]:
    """A devmail running in this test's event loop, on free ports, with a fresh data dir.

    Its time-bounded faults end by the ``clock`` fixture, which only the test moves.
    """
    # Port 0: the server binds and keeps the port the OS picks (no probe-then-bind race).
    config = DevmailConfig(data_dir=tmp_path / "devmail", smtp_port=0, http_port=0)
    async with DevmailServer(config, clock=clock) as server:
        yield server


@pytest.fixture
async def inbox(devmail: DevmailServer) -> AsyncIterator[InboxClient]:
    """The API client of the ``devmail`` fixture."""
    async with InboxClient(devmail.base_url) as client:
        yield client


@pytest.fixture
async def http(devmail: DevmailServer) -> AsyncIterator[httpx.AsyncClient]:
    """A raw HTTP client of the ``devmail`` fixture, for status codes and pages."""
    async with httpx.AsyncClient(base_url=devmail.base_url, timeout=10) as client:
        yield client


@pytest.fixture
def send_mail(devmail: DevmailServer) -> SendMail:
    """Send a message to the ``devmail`` fixture over SMTP."""
    return functools.partial(send_to, devmail.smtp_address)


class AioSendMail(Protocol):
    """``await aio_send_mail(to, subject="Hello", timeout=30)``: the final reply of the server."""

    def __call__(
        self, to: str, subject: str = "Hello", *, timeout: float = 30
    ) -> Awaitable[str]: ...


@pytest.fixture
def aio_send_mail(devmail: DevmailServer) -> AioSendMail:
    """Send a message to the ``devmail`` fixture with aiosmtplib, a connection each."""
    return functools.partial(aio_send, devmail.smtp_address)


READY_LINE = re.compile(
    r"devmail ready: smtp 127\.0\.0\.1:(?P<smtp>\d+), inbox (?P<inbox>http://\S+?),"
)


class DevmailProcess:
    """``python -m frontdesk_devmail`` as a child process, with its stdout in a file."""

    def __init__(self, data_dir: Path, log_path: Path, *extra_args: str) -> None:
        # Port 0 everywhere: the process reports the ports it bound in its ready line.
        self.smtp_address = ("127.0.0.1", 0)
        self.base_url = ""
        self.args = [
            "--smtp-port",
            "0",
            "--http-port",
            "0",
            "--data-dir",
            str(data_dir),
            *extra_args,
        ]
        self.log_path = log_path
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "frontdesk_devmail", *self.args, stdout=log, stderr=log
            )
        await self._until_healthy()

    async def stop(self, signum: int = signal.SIGTERM) -> int:
        """Signal the process and return its exit status."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signum)
        async with asyncio.timeout(10):
            return await self.process.wait()

    async def send_mail(self, to: str, subject: str, text: str) -> dict[str, tuple[int, bytes]]:
        return await send_to(self.smtp_address, to, subject, text)

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8")

    async def _until_healthy(self) -> None:
        assert self.process is not None
        async with asyncio.timeout(15), httpx.AsyncClient(timeout=1) as client:
            while not self.base_url:
                if self.process.returncode is not None:
                    raise AssertionError(f"devmail exited early:\n{self.output()}")
                ready = READY_LINE.search(self.output())
                if ready:
                    self.smtp_address = ("127.0.0.1", int(ready["smtp"]))
                    self.base_url = ready["inbox"]
                await asyncio.sleep(0.02)
            while True:
                if self.process.returncode is not None:
                    raise AssertionError(f"devmail exited early:\n{self.output()}")
                with contextlib.suppress(httpx.TransportError):
                    response = await client.get(f"{self.base_url}/api/health")
                    if response.json() == {"status": "ok"}:
                        return
                await asyncio.sleep(0.02)


@pytest.fixture
async def devmail_process(
    tmp_path: Path,
) -> AsyncIterator[Callable[..., Awaitable[DevmailProcess]]]:
    """Start ``python -m frontdesk_devmail`` children; each is killed at the end if still up."""
    started: list[DevmailProcess] = []

    async def start(data_dir: Path, *extra_args: str) -> DevmailProcess:
        child = DevmailProcess(data_dir, tmp_path / f"devmail-{len(started)}.log", *extra_args)
        started.append(child)
        await child.start()
        return child

    yield start
    for child in started:
        if child.process is not None and child.process.returncode is None:
            child.process.kill()
            await child.process.wait()
