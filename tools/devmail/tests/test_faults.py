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
        {"code": 451},
        {"recipient_prefix": "x" * 321},
        {"recipient_prefix": "x", "code": 250},
        {"recipient_prefix": "x", "times": 0},
        {"recipient_prefix": "x", "times": None},
        {"recipient_prefix": "x", "seconds": 0},
        {"recipient_prefix": "x", "seconds": -5},
        {"recipient_prefix": "x", "seconds": 86_401},
        {"recipient_prefix": "x", "seconds": "soon"},
        {"recipient_prefix": "x", "message": "ok\r\n250 injected"},
        {"recipient_prefix": "x", "stage": "mail"},
    ],
)
async def test_invalid_fault_is_a_422_problem(http, body):
    response = await http.post("/api/faults", json=body)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert (await http.get("/api/faults")).json() == []


async def test_a_fault_without_times_or_seconds_fails_once(send_mail, http):
    response = await http.post("/api/faults", json={"recipient_prefix": "once."})

    assert response.status_code == 201
    assert (response.json()["remaining"], response.json()["seconds_left"]) == (1, None)
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        await send_mail("once.ivan@example.test", "Hello")
    await send_mail("once.ivan@example.test", "Hello")


async def test_a_fault_that_never_ends_is_refused_with_a_reason(http):
    response = await http.post("/api/faults", json={"recipient_prefix": "x", "times": None})

    assert response.status_code == 422
    assert "times, seconds or both" in response.json()["detail"]


async def test_seconds_bounded_fault_refuses_every_recipient_until_it_ends(send_mail, inbox, clock):
    fault = await inbox.add_fault("", code=451, stage="rcpt", seconds=30)
    assert (fault.remaining, fault.seconds_left, fault.stage) == (None, 30, "rcpt")

    for n in range(3):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as raised:
            await send_mail(f"anyone{n}@example.test", "Hello")
        assert raised.value.recipients[f"anyone{n}@example.test"][0] == 451
    clock.advance(29.5)
    [still] = await inbox.faults()
    assert still.seconds_left == pytest.approx(0.5)
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        await send_mail("anyone@example.test", "Hello")

    clock.advance(0.5)

    assert await inbox.faults() == []
    await send_mail("anyone@example.test", "Hello")
    assert [m.to for m in await inbox.messages()] == [["anyone@example.test"]]


async def test_fault_with_times_and_seconds_ends_at_the_count_first(send_mail, inbox):
    await inbox.add_fault("both.", code=452, times=1, seconds=30)

    with pytest.raises(smtplib.SMTPRecipientsRefused):
        await send_mail("both.judy@example.test", "Hello")
    await send_mail("both.judy@example.test", "Hello")

    assert len(await inbox.messages()) == 1


async def test_fault_with_times_and_seconds_ends_at_the_time_first(send_mail, inbox, clock):
    await inbox.add_fault("both.", code=452, times=5, seconds=10, stage="data")
    with pytest.raises(smtplib.SMTPDataError):
        await send_mail("both.ken@example.test", "Hello")
    [fault] = await inbox.faults()
    assert fault.remaining == 4

    clock.advance(10)

    await send_mail("both.ken@example.test", "Hello")
    assert len(await inbox.messages()) == 1
    assert await inbox.faults() == []
