"""Delivery to a real SMTP server (aiosmtpd in-process, STARTTLS/implicit TLS with trustme certificates,
AUTH), including the failures the outbox must tell apart."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any, cast

from icalendar import Calendar

from mailer import (
    CalendarMethod,
    ComposedMail,
    DeliveryResult,
    DeliveryStatus,
    MailKind,
    OutgoingMail,
    Recipient,
    compose,
    transport_from_url,
)
from mailer.smtp import split_into_lanes
from tests.mailer.samples import PDF, PHU_LAM, SENDER, UID, meeting_mail
from tests.smtp_server import SMTP_PASSWORD, SMTP_USER, SmtpTestServer

PERMANENT = DeliveryStatus.PERMANENT_FAILURE
TEMPORARY = DeliveryStatus.TEMPORARY_FAILURE
DELIVERED = DeliveryStatus.DELIVERED


def _note(number: int, *to: str) -> ComposedMail:
    return compose(
        OutgoingMail(
            sender=SENDER,
            to=[Recipient(a) for a in to],
            subject=f"Thông báo số {number}",
            text=f"Nội dung {number}",
            message_id=f"<note-{number}@tanphu.example.gov.vn>",
        )
    )


async def _send(url: str, mails: list[ComposedMail], tmp_path: Path) -> list[DeliveryResult]:
    return await transport_from_url(url, maildir=tmp_path / "unused").send(mails)


def _ics(message_bytes: bytes) -> tuple[str, str, int]:
    message = message_from_bytes(message_bytes, policy=default)
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    calendar = Calendar.from_ical(part.get_content())
    event = calendar.walk("VEVENT")[0]
    return str(calendar["METHOD"]), str(event["UID"]), int(event.decoded("SEQUENCE"))


async def test_invitation_arrives_over_starttls_with_auth(
    smtp_server: SmtpTestServer, smtp_url: str, tmp_path: Path
) -> None:
    mail = compose(meeting_mail(message_id="<inv-42-phulam@tanphu.example.gov.vn>"))

    results = await _send(smtp_url, [mail], tmp_path)

    assert results == [
        DeliveryResult(
            "<inv-42-phulam@tanphu.example.gov.vn>",
            "ubnd.phulam@tanphu.example.gov.vn",
            DELIVERED,
            250,
            "2.0.0 Ok: queued as Q1",
        )
    ]
    [received] = smtp_server.wait_for(1)
    assert received.tls is True
    assert received.authenticated_as == SMTP_USER
    assert received.mail_from == "vanphong@tanphu.example.gov.vn"
    assert received.rcpt_tos == ["ubnd.phulam@tanphu.example.gov.vn"]

    message = received.message
    assert str(message["Subject"]) == "[Giấy mời] Họp giao ban tháng 3/2026 – 08:00 ngày 05/03/2026"
    assert str(message["Message-ID"]) == "<inv-42-phulam@tanphu.example.gov.vn>"
    assert message["From"].addresses[0].display_name == "Văn phòng HĐND và UBND huyện Tân Phú"
    assert message["To"].addresses[0].display_name == "UBND xã Phú Lâm"
    assert [p.get_content_type() for p in message.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
        "application/pdf",
    ]
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert "Chủ trì: Nguyễn Văn An, Chủ tịch UBND huyện" in body.get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "Báo cáo tháng 02.pdf"
    assert attachment.get_content() == PDF

    calendar = Calendar.from_ical(
        next(p for p in message.walk() if p.get_content_type() == "text/calendar").get_content()
    )
    event = calendar.walk("VEVENT")[0]
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == UID
    assert int(event.decoded("SEQUENCE")) == 0
    attendees = cast(list[Any], event["ATTENDEE"])
    assert [(str(a), a.params["RSVP"]) for a in attendees] == [
        ("mailto:ubnd.phulam@tanphu.example.gov.vn", "TRUE"),
        ("mailto:ubnd.phuthanh@tanphu.example.gov.vn", "TRUE"),
    ]


async def test_update_and_cancellation_keep_the_uid_and_raise_the_sequence(
    smtp_server: SmtpTestServer, smtp_url: str, tmp_path: Path
) -> None:
    mails = [
        compose(meeting_mail(MailKind.INVITATION, sequence=0)),
        compose(meeting_mail(MailKind.UPDATE, sequence=1, changes=["Giờ họp đổi sang 08 giờ 00."])),
        compose(meeting_mail(MailKind.CANCELLATION, method=CalendarMethod.CANCEL, sequence=2, reason="Trùng lịch.")),
    ]

    results = await _send(smtp_url, mails, tmp_path)

    assert [r.status for r in results] == [DELIVERED] * 3
    received = smtp_server.wait_for(3)
    assert [_ics(r.data) for r in received] == [("REQUEST", UID, 0), ("REQUEST", UID, 1), ("CANCEL", UID, 2)]
    assert [str(r.message["Subject"]).split("]")[0] for r in received] == [
        "[Giấy mời",
        "[Thay đổi lịch họp",
        "[Hủy cuộc họp",
    ]
    assert smtp_server.connections == 1


async def test_implicit_tls(smtps_server: SmtpTestServer, tls_ca_file: Path, tmp_path: Path) -> None:
    url = smtps_server.url(username=SMTP_USER, password=SMTP_PASSWORD, cafile=tls_ca_file)
    assert url.startswith("smtps://")

    results = await _send(url, [_note(1, "a@tanphu.example.gov.vn")], tmp_path)

    assert [r.status for r in results] == [DELIVERED]
    [received] = smtps_server.wait_for(1)
    assert received.tls and received.authenticated_as == SMTP_USER


async def test_a_batch_reuses_one_connection(smtp_server: SmtpTestServer, smtp_url: str, tmp_path: Path) -> None:
    mails = [_note(i, f"xa{i}@tanphu.example.gov.vn") for i in range(6)]

    results = await _send(smtp_url, mails, tmp_path)

    assert [(r.message_id, r.recipient, r.status) for r in results] == [
        (f"<note-{i}@tanphu.example.gov.vn>", f"xa{i}@tanphu.example.gov.vn", DELIVERED) for i in range(6)
    ]
    assert smtp_server.connections == 1
    assert smtp_server.mail_commands == 6


async def test_a_refused_recipient_fails_alone(smtp_server: SmtpTestServer, smtp_url: str, tmp_path: Path) -> None:
    smtp_server.refuse["khongton@tanphu.example.gov.vn"] = (
        "550 5.1.1 <khongton@tanphu.example.gov.vn>: Recipient address rejected: User unknown"
    )
    mails = [
        _note(1, "xa1@tanphu.example.gov.vn", "khongton@tanphu.example.gov.vn", "xa2@tanphu.example.gov.vn"),
        _note(2, "khongton@tanphu.example.gov.vn"),
        _note(3, "xa3@tanphu.example.gov.vn"),
    ]

    results = await _send(smtp_url, mails, tmp_path)

    refused = "5.1.1 <khongton@tanphu.example.gov.vn>: Recipient address rejected: User unknown"
    assert [(r.recipient, r.status, r.code) for r in results] == [
        ("xa1@tanphu.example.gov.vn", DELIVERED, 250),
        ("khongton@tanphu.example.gov.vn", PERMANENT, 550),
        ("xa2@tanphu.example.gov.vn", DELIVERED, 250),
        ("khongton@tanphu.example.gov.vn", PERMANENT, 550),
        ("xa3@tanphu.example.gov.vn", DELIVERED, 250),
    ]
    assert results[1].reply == refused and results[3].reply == refused
    received = smtp_server.wait_for(2)
    assert [r.rcpt_tos for r in received] == [
        ["xa1@tanphu.example.gov.vn", "xa2@tanphu.example.gov.vn"],
        ["xa3@tanphu.example.gov.vn"],
    ]
    assert smtp_server.connections == 1


async def test_a_busy_mailbox_is_temporary(smtp_server: SmtpTestServer, smtp_url: str, tmp_path: Path) -> None:
    smtp_server.refuse["ban@tanphu.example.gov.vn"] = "450 4.2.1 Mailbox busy, try again later"

    results = await _send(smtp_url, [_note(1, "ban@tanphu.example.gov.vn", "xa1@tanphu.example.gov.vn")], tmp_path)

    assert [(r.status, r.code, r.reply) for r in results] == [
        (TEMPORARY, 450, "4.2.1 Mailbox busy, try again later"),
        (DELIVERED, 250, "2.0.0 Ok: queued as Q1"),
    ]


async def test_a_message_refused_at_data(smtp_server: SmtpTestServer, smtp_url: str, tmp_path: Path) -> None:
    smtp_server.data_reply = "554 5.6.0 Message content rejected"
    permanent = await _send(smtp_url, [_note(1, "xa1@tanphu.example.gov.vn", "xa2@tanphu.example.gov.vn")], tmp_path)
    smtp_server.data_reply = "451 4.3.0 Temporary local problem"
    temporary = await _send(smtp_url, [_note(2, "xa1@tanphu.example.gov.vn")], tmp_path)

    assert [(r.status, r.code, r.reply) for r in permanent] == [
        (PERMANENT, 554, "5.6.0 Message content rejected"),
        (PERMANENT, 554, "5.6.0 Message content rejected"),
    ]
    assert [(r.status, r.code) for r in temporary] == [(TEMPORARY, 451)]
    assert smtp_server.received == []


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_no_server_is_a_temporary_failure(tmp_path: Path) -> None:
    url = f"smtp://127.0.0.1:{_closed_port()}?starttls=false&helo=giaoban.test&timeout=5"
    mails = [_note(1, "xa1@tanphu.example.gov.vn", "xa2@tanphu.example.gov.vn"), _note(2, "xa3@tanphu.example.gov.vn")]

    results = await _send(url, mails, tmp_path)

    assert [(r.recipient, r.status, r.code) for r in results] == [
        ("xa1@tanphu.example.gov.vn", TEMPORARY, None),
        ("xa2@tanphu.example.gov.vn", TEMPORARY, None),
        ("xa3@tanphu.example.gov.vn", TEMPORARY, None),
    ]
    assert all("SMTPConnectError" in r.reply for r in results)


async def test_server_down_then_up(smtp_server: SmtpTestServer, smtp_url: str, tmp_path: Path) -> None:
    smtp_server.stop()
    first = await _send(smtp_url, [_note(1, "xa1@tanphu.example.gov.vn")], tmp_path)
    smtp_server.start()
    second = await _send(smtp_url, [_note(1, "xa1@tanphu.example.gov.vn")], tmp_path)

    assert [r.status for r in first] == [TEMPORARY]
    assert [r.status for r in second] == [DELIVERED]
    assert len(smtp_server.wait_for(1)) == 1


async def test_a_slow_server_times_out_temporarily(
    make_smtp_server: Callable[..., SmtpTestServer], tmp_path: Path
) -> None:
    server = make_smtp_server(delay=2.0)
    started = time.monotonic()

    results = await _send(server.url(timeout="0.3"), [_note(1, "xa1@tanphu.example.gov.vn")], tmp_path)

    assert [(r.status, r.code) for r in results] == [(TEMPORARY, None)]
    assert "Timeout" in results[0].reply or "Timed out" in results[0].reply
    assert time.monotonic() - started < 1.9


async def test_a_wrong_password_is_temporary_with_the_reply(
    smtp_server: SmtpTestServer, tls_ca_file: Path, tmp_path: Path
) -> None:
    url = smtp_server.url(username=SMTP_USER, password="sai mật khẩu", cafile=tls_ca_file)

    results = await _send(url, [_note(1, "xa1@tanphu.example.gov.vn")], tmp_path)

    assert [(r.status, r.code) for r in results] == [(TEMPORARY, 535)]
    assert "Authentication" in results[0].reply
    assert smtp_server.received == []


async def test_an_untrusted_certificate_is_refused(smtp_server: SmtpTestServer, tmp_path: Path) -> None:
    url = smtp_server.url(username=SMTP_USER, password=SMTP_PASSWORD)  # the test CA is not trusted

    results = await _send(url, [_note(1, "xa1@tanphu.example.gov.vn")], tmp_path)

    assert [r.status for r in results] == [TEMPORARY]
    assert "CERTIFICATE_VERIFY_FAILED" in results[0].reply
    assert smtp_server.received == []


async def test_required_starttls_missing_is_refused(
    make_smtp_server: Callable[..., SmtpTestServer], tmp_path: Path
) -> None:
    server = make_smtp_server()
    url = server.url(starttls="true")

    results = await _send(url, [_note(1, "xa1@tanphu.example.gov.vn")], tmp_path)

    assert [r.status for r in results] == [TEMPORARY]
    assert "STARTTLS" in results[0].reply
    assert server.received == []


async def test_no_password_in_clear_text(make_smtp_server: Callable[..., SmtpTestServer], tmp_path: Path) -> None:
    server = make_smtp_server(credentials={SMTP_USER: SMTP_PASSWORD})
    url = f"smtp://{SMTP_USER}:x@127.0.0.1:{server.port}?helo=giaoban.test"  # STARTTLS if offered: it is not

    results = await _send(url, [_note(1, "xa1@tanphu.example.gov.vn")], tmp_path)

    assert [r.status for r in results] == [TEMPORARY]
    assert "STARTTLS" in results[0].reply
    assert server.received == []


async def test_connection_lost_in_flight(smtp_server: SmtpTestServer, smtp_url: str, tmp_path: Path) -> None:
    smtp_server.drop_after_data = 1
    mails = [_note(i, f"xa{i}@tanphu.example.gov.vn") for i in range(1, 4)]

    results = await _send(smtp_url, mails, tmp_path)

    # The first message reached the server but its answer did not reach us: it is reported temporary
    # (it may be sent again: the one in flight); the others go over a new connection.
    assert [(r.recipient, r.status) for r in results] == [
        ("xa1@tanphu.example.gov.vn", TEMPORARY),
        ("xa2@tanphu.example.gov.vn", DELIVERED),
        ("xa3@tanphu.example.gov.vn", DELIVERED),
    ]
    assert [r.rcpt_tos for r in smtp_server.wait_for(3)] == [
        ["xa1@tanphu.example.gov.vn"],
        ["xa2@tanphu.example.gov.vn"],
        ["xa3@tanphu.example.gov.vn"],
    ]
    assert smtp_server.connections == 2


async def test_parallel_connections_keep_each_destination_in_order(
    make_smtp_server: Callable[..., SmtpTestServer], tmp_path: Path
) -> None:
    server = make_smtp_server(delay=0.02)
    mails = [
        _note(1, "xa1@tanphu.example.gov.vn"),
        _note(2, "xa2@tanphu.example.gov.vn"),
        _note(3, "xa1@tanphu.example.gov.vn"),
        _note(4, "xa3@tanphu.example.gov.vn"),
        _note(5, "xa4@tanphu.example.gov.vn", "xa1@tanphu.example.gov.vn"),
        _note(6, "xa5@tanphu.example.gov.vn"),
    ]

    results = await _send(server.url(connections="3"), mails, tmp_path)

    assert [r.message_id for r in results] == [
        "<note-1@tanphu.example.gov.vn>",
        "<note-2@tanphu.example.gov.vn>",
        "<note-3@tanphu.example.gov.vn>",
        "<note-4@tanphu.example.gov.vn>",
        "<note-5@tanphu.example.gov.vn>",
        "<note-5@tanphu.example.gov.vn>",
        "<note-6@tanphu.example.gov.vn>",
    ]
    assert all(r.delivered for r in results)
    received = server.wait_for(6)
    assert server.connections == 3
    to_xa1 = [str(r.message["Message-ID"]) for r in received if "xa1@tanphu.example.gov.vn" in r.rcpt_tos]
    assert to_xa1 == [
        "<note-1@tanphu.example.gov.vn>",
        "<note-3@tanphu.example.gov.vn>",
        "<note-5@tanphu.example.gov.vn>",
    ]
    assert len({r.connection for r in received if "xa1@tanphu.example.gov.vn" in r.rcpt_tos}) == 1


def test_lanes_group_messages_that_share_a_recipient() -> None:
    mails = [
        _note(1, "a@x.vn"),
        _note(2, "b@x.vn"),
        _note(3, "c@x.vn", "a@x.vn"),
        _note(4, "d@x.vn"),
        _note(5, "c@x.vn"),
    ]
    lanes = split_into_lanes(mails, 2)
    assert [[index for index, _ in lane] for lane in lanes] == [[0, 2, 4], [1, 3]]
    assert [[index for index, _ in lane] for lane in split_into_lanes(mails, 1)] == [[0, 1, 2, 3, 4]]
    assert len(split_into_lanes(mails, 16)) == 3


async def test_nothing_to_send(smtp_url: str, smtp_server: SmtpTestServer, tmp_path: Path) -> None:
    assert await _send(smtp_url, [], tmp_path) == []
    assert smtp_server.connections == 0


async def test_a_plain_message_to_the_recipient_language(
    smtp_server: SmtpTestServer, smtp_url: str, tmp_path: Path
) -> None:
    english = Recipient("ubnd.phuthanh@tanphu.example.gov.vn", "UBND xã Phú Thạnh", language="en")
    await _send(smtp_url, [compose(meeting_mail(to=english)), compose(meeting_mail(to=PHU_LAM))], tmp_path)
    first, second = smtp_server.wait_for(2)
    assert str(first.message["Subject"]).startswith("[Invitation]")
    assert str(first.message["Content-Language"]) == "en"
    assert str(second.message["Subject"]).startswith("[Giấy mời]")
