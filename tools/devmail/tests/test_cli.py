"""``python -m frontdesk_devmail`` as the Makefile runs it: a child process on real ports."""

from __future__ import annotations

import asyncio
import signal
import smtplib
import socket
import sys

import pytest

from frontdesk_devmail.client import InboxClient

SECRET_LINK = "https://app.frontdesk.test/create-login?token=never-log-me"


async def test_cli_receives_logs_one_line_per_message_and_stops_on_sigterm(
    devmail_process, tmp_path
):
    devmail = await devmail_process(tmp_path / "data")

    await devmail.send_mail("alice@example.test", "Create your login", f"Go: {SECRET_LINK}")
    async with InboxClient(devmail.base_url) as inbox:
        message = await inbox.wait_for("alice@example.test", timeout=5)
    assert message.links == [SECRET_LINK]

    assert await devmail.stop(signal.SIGTERM) == 0
    output = devmail.output()
    received = [line for line in output.splitlines() if "received message" in line]
    assert len(received) == 1
    assert f"id={message.id}" in received[0]
    assert "to=alice@example.test" in received[0]
    assert "Create your login" in received[0]
    assert "never-log-me" not in output
    assert "Traceback" not in output


async def test_cli_stops_cleanly_on_sigint(devmail_process, tmp_path):
    devmail = await devmail_process(tmp_path / "data")

    assert await devmail.stop(signal.SIGINT) == 0
    assert "Traceback" not in devmail.output()


@pytest.mark.parametrize("durability", ["--fsync", "--no-fsync"])
async def test_messages_survive_a_restart(devmail_process, tmp_path, durability):
    data_dir = tmp_path / "data"
    first_run = await devmail_process(data_dir, durability)
    for subject in ("Kept", "Deleted", "Kept too"):
        await first_run.send_mail("bob@example.test", subject, f"Body of {subject}")
    async with InboxClient(first_run.base_url) as inbox:
        kept, deleted, kept_too = await inbox.messages()
        await inbox.delete(deleted.id)
        before = [await inbox.message(m.id) for m in (kept, kept_too)]
        raw_before = await inbox.raw(kept.id)
    assert await first_run.stop() == 0

    second_run = await devmail_process(data_dir, durability)
    async with InboxClient(second_run.base_url) as inbox:
        after = [await inbox.message(m.id) for m in await inbox.messages()]
        assert after == before
        assert await inbox.raw(kept.id) == raw_before

        await second_run.send_mail("bob@example.test", "After the restart", "New")
        newest = await inbox.wait_for("bob@example.test", since_id=kept_too.id, timeout=5)
    assert newest.subject == "After the restart"
    assert newest.id > kept_too.id


async def test_auth_optional_accepts_any_login(devmail_process, tmp_path):
    devmail = await devmail_process(tmp_path / "data", "--auth-optional")

    def send_with_login() -> None:
        with smtplib.SMTP(*devmail.smtp_address, timeout=10) as client:
            client.login("notifications", "any password")
            client.sendmail(
                "noreply@frontdesk.test", ["auth@example.test"], b"Subject: Auth\r\n\r\nhi"
            )

    await asyncio.to_thread(send_with_login)

    async with InboxClient(devmail.base_url) as inbox:
        message = await inbox.wait_for("auth@example.test", timeout=5)
    assert message.subject == "Auth"
    assert "any password" not in devmail.output()


async def test_without_auth_optional_no_login_is_offered(devmail_process, tmp_path):
    devmail = await devmail_process(tmp_path / "data")

    def try_login() -> None:
        with smtplib.SMTP(*devmail.smtp_address, timeout=10) as client:
            client.login("notifications", "secret")

    with pytest.raises(smtplib.SMTPNotSupportedError):
        await asyncio.to_thread(try_login)


async def test_a_taken_port_fails_fast_with_a_clear_message(tmp_path):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "frontdesk_devmail",
            *("--smtp-port", str(taken), "--http-port", "0", "--data-dir", str(tmp_path)),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        async with asyncio.timeout(15):
            _, stderr = await process.communicate()

    assert process.returncode == 1
    assert "cannot start" in stderr.decode()
    assert "--smtp-port" in stderr.decode()
