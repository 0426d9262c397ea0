"""The message store on disk: batches, what survives a reopen, and parsing only when read."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from frontdesk_devmail import store as store_module
from frontdesk_devmail.store import Incoming, MessageQuery, MessageStore, StoredMessage


def raw_message(subject: str) -> bytes:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = "Frontdesk <noreply@frontdesk.test>"
    message["To"] = "alice@example.test"
    message.set_content(f"Body of {subject}")
    return bytes(message)


def incoming(subject: str, *recipients: str, sender: str = "x@example.test") -> Incoming:
    return Incoming(
        raw_message(subject), sender, recipients or ("alice@example.test",), datetime.now(UTC)
    )


def add(store: MessageStore, subject: str, *recipients: str) -> StoredMessage:
    [message] = store.add_many([incoming(subject, *recipients)])
    return message


@pytest.fixture
def open_store() -> Iterator[Callable[..., MessageStore]]:
    """``open_store(data_dir, fsync=True)``: a store closed at the end of the test."""
    opened: list[MessageStore] = []

    def open_store(data_dir: Path, *, fsync: bool = True) -> MessageStore:
        opened.append(MessageStore.open(data_dir, fsync=fsync))
        return opened[-1]

    yield open_store
    for store in opened:
        store.close()


def test_reopened_store_has_the_same_messages_and_keeps_counting(tmp_path, open_store):
    store = open_store(tmp_path)
    first = add(store, "first")
    second = add(store, "second", "Bob@example.test")
    store.delete(first.id)

    reopened = open_store(tmp_path)

    assert reopened.find(MessageQuery()) == [second]
    assert reopened.raw(second.id) == raw_message("second")
    assert reopened.get(first.id) is None
    assert reopened.raw(first.id) is None
    assert add(reopened, "third").id == second.id + 1


def test_a_batch_gets_increasing_ids_in_order_and_all_of_it_survives_a_reopen(tmp_path, open_store):
    store = open_store(tmp_path)
    subjects = [f"message {n}" for n in range(50)]
    batch = [incoming(subject, f"user{n}@example.test") for n, subject in enumerate(subjects)]

    stored = store.add_many(batch)
    store.sync()

    assert [m.id for m in stored] == list(range(1, 51))
    assert store.last_id == 50
    reopened = open_store(tmp_path)
    assert reopened.find(MessageQuery()) == stored
    for message, sent, subject in zip(reopened.find(MessageQuery()), batch, subjects, strict=True):
        assert message.recipients == sent.recipients
        assert message.received_at == sent.received_at
        assert reopened.raw(message.id) == sent.raw
        assert message.headline.subject == subject


def test_ids_are_not_reused_after_a_clear_and_a_reopen(tmp_path, open_store):
    store = open_store(tmp_path)
    for subject in ("a", "b"):
        add(store, subject)
    assert store.clear() == 2
    assert store.find(MessageQuery()) == []

    reopened = open_store(tmp_path)

    assert reopened.find(MessageQuery()) == []
    assert add(reopened, "c").id == 3


def test_messages_are_parsed_only_when_read_and_then_once(tmp_path, open_store, monkeypatch):
    parsed: list[str] = []
    for name in ("parse_message", "parse_headline"):
        real = getattr(store_module, name)
        monkeypatch.setattr(
            store_module, name, lambda raw, real=real, name=name: parsed.append(name) or real(raw)
        )
    store = open_store(tmp_path)
    for n in range(3):
        add(store, f"Reset {n}", f"user{n}@example.test")
    reopened = open_store(tmp_path)
    [message] = reopened.find(MessageQuery(to="USER1@example.test", since_id=0))
    assert parsed == [], "storing, reopening and envelope queries parse nothing"

    assert message.headline.subject == "Reset 1"
    assert message.headline.sender == "Frontdesk <noreply@frontdesk.test>"
    assert message.content.text == "Body of Reset 1\n"
    assert message.content.subject == "Reset 1"

    assert parsed == ["parse_headline", "parse_message"]


def test_an_old_layout_is_reported_not_loaded(tmp_path, open_store, caplog):
    (tmp_path / "messages").mkdir()
    (tmp_path / "messages" / "1.eml").write_bytes(raw_message("old"))
    (tmp_path / "index.jsonl").write_text('{"op": "stored", "id": 1}\n')

    store = open_store(tmp_path)

    assert store.find(MessageQuery()) == []
    assert "older devmail layout" in caplog.text


def test_query_matches_recipient_ignoring_case_and_subject_part(tmp_path, open_store):
    store = open_store(tmp_path)
    message = add(store, "Reset your password", "Alice@Example.test")

    assert MessageQuery(to="alice@example.TEST").matches(message)
    assert not MessageQuery(to="alice@example").matches(message)
    assert MessageQuery(subject_contains="RESET").matches(message)
    assert not MessageQuery(subject_contains="login").matches(message)
    assert not MessageQuery(since_id=message.id).matches(message)
