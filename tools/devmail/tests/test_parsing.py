"""Parsing what senders produce, well-formed or not."""

from __future__ import annotations

from email.message import EmailMessage

from frontdesk_devmail.parsing import (
    Headline,
    extract_links,
    log_subject,
    parse_headline,
    parse_message,
)


def test_links_come_from_hrefs_then_text_deduplicated_in_order():
    html = (
        '<a href=" https://a.test/1?x=1&amp;y=2 ">one</a>'
        '<a href="mailto:help@a.test">mail</a>'
        '<a href="/relative">rel</a>'
        '<area href="http://a.test/2">'
    )
    text = "See https://a.test/1?x=1&y=2, then (https://a.test/3) or https://a.test/wiki/X_(y)."

    assert extract_links(html=html, text=text) == (
        "https://a.test/1?x=1&y=2",
        "http://a.test/2",
        "https://a.test/3",
        "https://a.test/wiki/X_(y)",
    )


def test_headers_are_decoded_and_parts_normalised():
    message = EmailMessage()
    message["Subject"] = "Créez votre accès"
    message["From"] = "Frontdesk <noreply@frontdesk.test>"
    message["To"] = "alice@example.test"
    message["Message-ID"] = "<1@frontdesk.test>"
    message.set_content("Ligne 1\nLigne 2\n")
    message.add_alternative("<p>Bonjour</p>", subtype="html")
    raw = bytes(message).replace(b"\n", b"\r\n")  # as it travels over SMTP

    parsed = parse_message(raw)

    assert parsed.subject == "Créez votre accès"
    assert parsed.headers["Subject"] == "Créez votre accès"
    assert parsed.message_id == "<1@frontdesk.test>"
    assert parsed.text == "Ligne 1\nLigne 2\n"
    assert parsed.html == "<p>Bonjour</p>\n"


def test_malformed_input_is_kept_not_rejected():
    raw = (
        b"Subject: =?bogus?x?zz?=\r\n"
        b"Content-Type: text/plain; charset=no-such-charset\r\n"
        b"\r\n"
        b"caf\xe9 https://a.test/ok\r\n"
    )

    parsed = parse_message(raw)

    assert parsed.subject == "=?bogus?x?zz?="
    assert parsed.text is not None and parsed.text.startswith("caf")
    assert parsed.html is None
    assert parsed.links == ("https://a.test/ok",)
    assert parse_message(b"\xff\xfe not even headers").subject == ""


def test_headline_reads_the_headers_as_the_full_parse_does():
    message = EmailMessage()
    message["Subject"] = "Créez   votre accès"
    message["From"] = '"Studio, Frontdesk" <noreply@frontdesk.test>'
    message["Message-ID"] = "<1@frontdesk.test>"
    message.set_content("Body")
    raw = bytes(message)

    headline, parsed = parse_headline(raw), parse_message(raw)

    assert (headline.subject, headline.sender, headline.message_id) == (
        parsed.subject,
        parsed.sender,
        parsed.message_id,
    )
    assert headline.subject == "Créez votre accès"
    assert parse_headline(b"\xff\xfe not even headers") == Headline("", "", "")


def test_log_subject_is_the_decoded_subject_without_parsing_the_body():
    encoded = (
        b"Subject: =?utf-8?q?Cr=C3=A9ez_votre?=\r\n =?utf-8?q?_acc=C3=A8s?=\r\n"
        b"To: a@b.test\r\n\r\nSubject: not this\r\n"
    )

    assert log_subject(encoded) == "Créez votre accès"
    assert log_subject(b"To: a@b.test\r\n\r\nSubject: in the body\r\n") == ""
    assert log_subject(b"subject:  Folded\r\n   line\r\n\r\n") == "Folded line"
    assert log_subject(b"Subject: =?bogus?x?zz?=\r\n\r\n") == "=?bogus?x?zz?="


def test_headers_are_shown_as_sent_decoded_raw_utf8_included():
    raw = (
        "Subject: Caf\u00e9 cr\u00e8me\r\n"
        "From: =?utf-8?q?Fr=C3=A9d?= <fred@example.test>\r\n"
        'To: "Doe, Jane" <jane@example.test>,  bob@example.test\r\n'
        "\r\nbody\r\n"
    ).encode()

    parsed = parse_message(raw)

    assert parsed.subject == "Caf\u00e9 cr\u00e8me" == log_subject(raw)
    assert parsed.sender == "Fr\u00e9d <fred@example.test>" == parse_headline(raw).sender
    assert parsed.to == '"Doe, Jane" <jane@example.test>, bob@example.test'
