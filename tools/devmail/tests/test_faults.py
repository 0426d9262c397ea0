"""Simulated delivery failures, as a sending service meets them over SMTP."""

from __future__ import annotations

import smtplib

import pytest


async def test_reject550_prefix_is_refused_permanently(send_mail, inbox):
    for _ in range(2):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as raised:
            await send_mail("reject550.alice@example.test", "Welcome")
        code, reply = raised.value.recipients["reject550.alice@example.test"]
        assert (code, reply) == (550, b"5.1.1 mailbox unavailable")

    assert await inbox.messages() == []


async def test_tempfail451_prefix_is_refused_every_time(send_mail, inbox):
    for _ in range(2):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as raised:
            await send_mail("TempFail451-bob@example.test", "Welcome")
        assert raised.value.recipients["TempFail451-bob@example.test"][0] == 451

    assert await inbox.messages() == []


async def test_only_the_failing_recipient_of_a_message_is_refused(send_mail, inbox):
    refused = await send_mail(["reject550@example.test", "carol@example.test"], "Welcome")

    assert refused == {"reject550@example.test": (550, b"5.1.1 mailbox unavailable")}
    [summary] = await inbox.messages()
    assert summary.to == ["carol@example.test"]


async def test_injected_fault_fails_once_then_accepts(send_mail, inbox):
    fault = await inbox.add_fault("flaky.dan@", code=451, message="4.4.1 busy, retry", times=1)
    assert (fault.code, fault.remaining, fault.stage) == (451, 1, "rcpt")

    with pytest.raises(smtplib.SMTPRecipientsRefused) as raised:
        await send_mail("Flaky.Dan@example.test", "Reset your password")
    assert raised.value.recipients["Flaky.Dan@example.test"] == (451, b"4.4.1 busy, retry")

    await send_mail("flaky.dan@example.test", "Reset your password")
    [summary] = await inbox.messages()
    assert summary.to == ["flaky.dan@example.test"]
    assert await inbox.faults() == []


async def test_injected_fault_counts_down_and_only_hits_its_prefix(send_mail, inbox):
    await inbox.add_fault("gone-", code=550, times=2)

    await send_mail("someone@example.test", "Unaffected")
    for _ in range(2):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as raised:
            await send_mail("gone-erin@example.test", "Hello")
        assert raised.value.recipients["gone-erin@example.test"][0] == 550
    await send_mail("gone-erin@example.test", "Hello")

    assert [m.to for m in await inbox.messages()] == [
        ["someone@example.test"],
        ["gone-erin@example.test"],
    ]


async def test_data_stage_fault_refuses_the_message_after_its_data(send_mail, inbox):
    await inbox.add_fault("frank@", code=452, message="4.3.1 out of storage", stage="data")

    with pytest.raises(smtplib.SMTPDataError) as raised:
        await send_mail("frank@example.test", "Welcome")
    assert (raised.value.smtp_code, raised.value.smtp_error) == (452, b"4.3.1 out of storage")
    assert await inbox.messages() == []

    await send_mail("frank@example.test", "Welcome")
    assert len(await inbox.messages()) == 1


async def test_clearing_faults_restores_delivery(send_mail, inbox, http):
    await inbox.add_fault("grace@", times=5)
    assert len(await inbox.faults()) == 1

    await inbox.clear_faults()

    assert await inbox.faults() == []
    await send_mail("grace@example.test", "Welcome")
    assert len(await inbox.messages()) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"recipient_prefix": "", "code": 451},
        {"recipient_prefix": "x", "code": 250},
        {"recipient_prefix": "x", "times": 0},
        {"recipient_prefix": "x", "message": "ok\r\n250 injected"},
        {"recipient_prefix": "x", "stage": "mail"},
    ],
)
async def test_invalid_fault_is_a_422_problem(http, body):
    response = await http.post("/api/faults", json=body)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert (await http.get("/api/faults")).json() == []
