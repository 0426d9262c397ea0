"""The message store on disk: what survives a reopen, and a damaged journal."""

from __future__ import annotations

from email.message import EmailMessage

from frontdesk_devmail.store import MessageQuery, MessageStore


def raw_message(subject: str) -> bytes:
    message = EmailMessage()
    message["Subject"] = subject
    message["To"] = "alice@example.test"
    message.set_content(f"Body of {subject}")
    return bytes(message)


def test_reopened_store_has_the_same_messages_and_keeps_counting(tmp_path):
    store = MessageStore.open(tmp_path)
    first = store.add(raw_message("first"), "noreply@frontdesk.test", ["alice@example.test"])
    second = store.add(raw_message("second"), "noreply@frontdesk.test", ["Bob@example.test"])
    store.delete(first.id)

    reopened = MessageStore.open(tmp_path)

    assert reopened.find(MessageQuery()) == [second]
    assert reopened.raw(second.id) == raw_message("second")
    assert reopened.get(first.id) is None
    third = reopened.add(raw_message("third"), "", ["carol@example.test"])
    assert third.id == second.id + 1


def test_ids_are_not_reused_after_a_clear_and_a_reopen(tmp_path):
    store = MessageStore.open(tmp_path)
    for subject in ("a", "b"):
        store.add(raw_message(subject), "x@example.test", ["alice@example.test"])
    assert store.clear() == 2
    assert list((tmp_path / "messages").iterdir()) == []

    reopened = MessageStore.open(tmp_path)

    assert reopened.find(MessageQuery()) == []
    assert reopened.add(raw_message("c"), "x@example.test", ["alice@example.test"]).id == 3


def test_a_torn_last_journal_line_and_a_missing_file_are_skipped(tmp_path, caplog):
    store = MessageStore.open(tmp_path)
    kept = store.add(raw_message("kept"), "x@example.test", ["alice@example.test"])
    lost = store.add(raw_message("lost"), "x@example.test", ["alice@example.test"])
    (tmp_path / "messages" / f"{lost.id}.eml").unlink()
    with (tmp_path / "index.jsonl").open("a") as journal:
        journal.write('{"op": "stored", "id": 9')

    reopened = MessageStore.open(tmp_path)

    assert reopened.find(MessageQuery()) == [kept]
    assert "missing" in caplog.text and "unreadable" in caplog.text


def test_query_matches_recipient_ignoring_case_and_subject_part(tmp_path):
    store = MessageStore.open(tmp_path)
    message = store.add(raw_message("Reset your password"), "", ["Alice@Example.test"])

    assert MessageQuery(to="alice@example.TEST").matches(message)
    assert not MessageQuery(to="alice@example").matches(message)
    assert MessageQuery(subject_contains="RESET").matches(message)
    assert not MessageQuery(subject_contains="login").matches(message)
    assert not MessageQuery(since_id=message.id).matches(message)
