"""Many senders at once, as a mail relay under load would send: every message stored once."""

from __future__ import annotations

import asyncio
import re
import smtplib
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage

from frontdesk_devmail.client import InboxClient
from frontdesk_devmail.inbox import CHECKPOINT_EVERY, Inbox
from frontdesk_devmail.server import DevmailConfig, DevmailServer
from frontdesk_devmail.store import MessageQuery, MessageStore

CONNECTIONS = 8
MESSAGES_PER_CONNECTION = 25
QUEUED_AS = re.compile(rb"queued as (\d+)")


def send_over_one_connection(address: tuple[str, int], sender: int) -> dict[int, str]:
    """Send every message of one sender over one reused connection: acknowledged id -> subject."""
    acknowledged: dict[int, str] = {}
    with smtplib.SMTP(*address, timeout=30) as client:
        client.ehlo()
        for n in range(MESSAGES_PER_CONNECTION):
            subject = f"sender {sender} message {n}"
            message = EmailMessage()
            message["Subject"] = subject
            message.set_content(f"Body of {subject}")
            client.mail("noreply@frontdesk.test")
            client.rcpt(f"s{sender}-{n}@example.test")
            code, reply = client.data(bytes(message))
            assert code == 250, reply
            queued = QUEUED_AS.search(reply)
            assert queued is not None, reply
            acknowledged[int(queued[1])] = subject
    return acknowledged


async def listed(base_url: str) -> dict[int, str]:
    async with InboxClient(base_url) as inbox:
        return {m.id: m.subject for m in await inbox.messages()}


async def test_concurrent_messages_get_distinct_increasing_ids_and_survive_a_restart(tmp_path):
    config = DevmailConfig(data_dir=tmp_path, smtp_port=0, http_port=0)
    loop = asyncio.get_running_loop()
    async with DevmailServer(config) as devmail:
        with ThreadPoolExecutor(CONNECTIONS) as senders:  # smtplib blocks: a thread each
            sent = await asyncio.gather(
                *(
                    loop.run_in_executor(
                        senders, send_over_one_connection, devmail.smtp_address, sender
                    )
                    for sender in range(CONNECTIONS)
                )
            )
        acknowledged = {i: s for by_sender in sent for i, s in by_sender.items()}
        before_restart = await listed(devmail.base_url)

    assert len(acknowledged) == CONNECTIONS * MESSAGES_PER_CONNECTION, "no id given twice"
    assert before_restart == acknowledged, "each 250 names the id its message is stored under"
    assert list(before_restart) == sorted(before_restart), "listed oldest (lowest id) first"
    for by_sender in sent:
        assert list(by_sender) == sorted(by_sender), "one connection's messages in sending order"

    async with DevmailServer(config) as restarted:
        assert await listed(restarted.base_url) == acknowledged


async def test_without_fsync_many_deliveries_and_their_checkpoints_all_survive_a_reopen(tmp_path):
    store = MessageStore.open(tmp_path, fsync=False)
    inbox = Inbox(store)
    count = CHECKPOINT_EVERY * 2 + 7  # enough for checkpoints to run between the batches

    stored = await asyncio.gather(
        *(
            inbox.deliver(b"Subject: n%d\r\n\r\nbody\r\n" % n, "x@example.test", [f"u{n}@x.test"])
            for n in range(count)
        )
    )
    await inbox.close()
    store.close()

    assert [m.id for m in stored] == list(range(1, count + 1))
    reopened = MessageStore.open(tmp_path)
    try:
        assert [m.recipients for m in reopened.find(MessageQuery())] == [
            (f"u{n}@x.test",) for n in range(count)
        ]
        assert reopened.raw(count) == b"Subject: n%d\r\n\r\nbody\r\n" % (count - 1)
    finally:
        reopened.close()
