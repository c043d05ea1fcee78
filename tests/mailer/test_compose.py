"""The structure and headers of composed messages, and the iCalendar part."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest
from icalendar import Calendar

from mailer import (
    CalendarInvite,
    CalendarMethod,
    InvalidMailError,
    MailKind,
    OutgoingMail,
    Recipient,
    calendar_text,
    compose,
    meeting_uid,
)
from tests.mailer.samples import END, ORGANIZER, PDF, PHU_LAM, PHU_THANH, SENDER, START, UID, invite, meeting_mail


def test_invitation_structure() -> None:
    composed = compose(meeting_mail(message_id="<inv-42-phulam@tanphu.example.gov.vn>"))
    message = composed.message

    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = list(message.iter_parts())
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html", "text/calendar"]
    calendar_part = list(alternative.iter_parts())[2]
    assert calendar_part.get_param("method") == "REQUEST"
    assert calendar_part.get_content_charset() == "utf-8"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "Báo cáo tháng 02.pdf"
    assert attachment.get_content() == PDF

    assert composed.message_id == "<inv-42-phulam@tanphu.example.gov.vn>"
    assert composed.sender == "vanphong@tanphu.example.gov.vn"
    assert composed.recipients == ("ubnd.phulam@tanphu.example.gov.vn",)
    assert str(message["Subject"]) == "[Giấy mời] Họp giao ban tháng 3/2026 – 08:00 ngày 05/03/2026"
    assert str(message["Date"]) == "Fri, 27 Feb 2026 02:00:00 +0000"
    assert str(message["Auto-Submitted"]) == "auto-generated"
    assert str(message["Content-Language"]) == "vi"
    assert message["From"].addresses[0].display_name == "Văn phòng HĐND và UBND huyện Tân Phú"
    # Only MIME headers on the parts; MIME-Version once, on the message.
    assert composed.data.count(b"MIME-Version") == 1


def test_message_is_seven_bit_with_encoded_headers() -> None:
    data = compose(meeting_mail()).data
    assert max(data) < 128
    head = data.split(b"\r\n\r\n", 1)[0]
    assert b"Subject: =?utf-8?" in head
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert all(len(line) <= 998 for line in data.split(b"\r\n"))


def test_generated_message_ids_use_the_sender_domain() -> None:
    first = compose(meeting_mail()).message_id
    second = compose(meeting_mail()).message_id
    assert first != second
    assert first.endswith("@tanphu.example.gov.vn>")


def test_references_thread_an_update_under_the_invitation() -> None:
    mail = OutgoingMail(
        sender=SENDER, to=[PHU_LAM], subject="s", text="x", references=["<inv-42@tanphu.example.gov.vn>"]
    )
    message = compose(mail).message
    assert str(message["In-Reply-To"]) == "<inv-42@tanphu.example.gov.vn>"
    assert str(message["References"]) == "<inv-42@tanphu.example.gov.vn>"


def test_cc_recipients_are_in_the_envelope_once() -> None:
    mail = OutgoingMail(sender=SENDER, to=[PHU_LAM, PHU_THANH], cc=[PHU_LAM, ORGANIZER], subject="s", text="x")
    assert compose(mail).recipients == (
        "ubnd.phulam@tanphu.example.gov.vn",
        "ubnd.phuthanh@tanphu.example.gov.vn",
        "ubnd@tanphu.example.gov.vn",
    )


def test_plain_text_only_mail_is_a_single_part() -> None:
    message = compose(OutgoingMail(sender=SENDER, to=[PHU_LAM], subject="Thử", text="Xin chào")).message
    assert message.get_content_type() == "text/plain"
    assert message.get_content() == "Xin chào\n"


@pytest.mark.parametrize(
    "subject",
    [
        # Python's own folding dropped the space at a cut in each of these: "trậttự", "trấn–", "tháng3".
        "[Giấy mời họp đột xuất] Họp mật về công tác bảo đảm an ninh trật tự – 14:00 ngày 25/11/2026",
        "[Giấy mời] Giao ban công tác tuần giữa UBND huyện với các xã, thị trấn – 08:00 ngày 30/11/2026",
        "[Thay đổi lịch họp] Giao ban tháng 3 – 08:00 ngày 09/03/2026",
        "Biên bản " + "cuộc họp rà soát kế hoạch phòng, chống thiên tai và tìm kiếm cứu nạn " * 6,
        "A plain English subject that is long enough to be folded by the mail library onto a second line",
    ],
)
def test_a_long_subject_arrives_with_every_space(subject: str) -> None:
    composed = compose(OutgoingMail(sender=SENDER, to=[PHU_LAM], subject=subject, text="x"))
    raw = composed.data
    lines = raw.split(b"\r\n\r\n")[0].split(b"\r\n")
    first = next(i for i, line in enumerate(lines) if line.startswith(b"Subject: "))
    folded = [lines[first], *itertools.takewhile(lambda line: line.startswith(b" "), lines[first + 1 :])]
    assert all(len(line) <= 78 for line in folded), "a line of the subject longer than 78"
    parsed = message_from_bytes(raw, policy=policy.default)
    assert str(parsed["Subject"]) == subject.strip()


def test_long_unit_names_arrive_whole_in_the_address_headers() -> None:
    # Folded by Python, each of these lost a space and the mail was refused ("Địa chỉ trong From thay đổi").
    office = Recipient("vanphong@ngockhe.gov.vn", "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân huyện Ngọc Khê")
    room = Recipient("phonghop@ngockhe.gov.vn", "Phòng họp trực tuyến Ủy ban nhân dân thị trấn Ngọc Khê huyện Ngọc Khê")
    plain = Recipient("it@ngockhe.gov.vn", 'IT desk, "night" shift')
    composed = compose(OutgoingMail(sender=office, to=[room, PHU_LAM], cc=[plain], subject="Thử", text="x"))
    parsed = message_from_bytes(composed.data, policy=policy.default)
    assert [(a.display_name, a.addr_spec) for a in parsed["From"].addresses] == [(office.name, office.address)]
    assert [(a.display_name, a.addr_spec) for a in parsed["To"].addresses] == [
        (room.name, room.address),
        (PHU_LAM.name, PHU_LAM.address),
    ]
    assert [(a.display_name, a.addr_spec) for a in parsed["Cc"].addresses] == [(plain.name, plain.address)]
    assert all(len(line) <= 998 for line in composed.data.split(b"\r\n\r\n")[0].split(b"\r\n"))


@pytest.mark.parametrize(
    "change",
    [
        {"to": []},
        {"subject": " \r\n "},
        {"date": datetime(2026, 3, 1, 8, 0)},
        {"message_id": "no id"},
    ],
)
def test_incomplete_mail_is_refused(change: dict[str, object]) -> None:
    values: dict[str, object] = {"sender": SENDER, "to": [PHU_LAM], "subject": "s", "text": "x"}
    values.update(change)
    with pytest.raises(InvalidMailError):
        compose(OutgoingMail(**values))  # type: ignore[arg-type]


def _event(ics: str) -> tuple[Calendar, object]:
    calendar = Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def test_request_parses_back() -> None:
    calendar, event = _event(calendar_text(invite()))
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == UID  # type: ignore[index]
    assert int(event["SEQUENCE"]) == 0  # type: ignore[index]
    assert str(event["STATUS"]) == "CONFIRMED"  # type: ignore[index]
    assert event.decoded("DTSTART") == datetime(2026, 3, 5, 1, 0, tzinfo=UTC)  # type: ignore[attr-defined]
    assert event.decoded("DTEND") == datetime(2026, 3, 5, 4, 30, tzinfo=UTC)  # type: ignore[attr-defined]
    assert str(event["SUMMARY"]) == "Họp giao ban tháng 3/2026"  # type: ignore[index]
    organizer = event["ORGANIZER"]  # type: ignore[index]
    assert str(organizer) == "mailto:ubnd@tanphu.example.gov.vn"
    assert organizer.params["CN"] == "Ủy ban nhân dân huyện Tân Phú"
    attendees = event["ATTENDEE"]  # type: ignore[index]
    assert [str(a) for a in attendees] == [
        "mailto:ubnd.phulam@tanphu.example.gov.vn",
        "mailto:ubnd.phuthanh@tanphu.example.gov.vn",
    ]
    assert [a.params["RSVP"] for a in attendees] == ["TRUE", "TRUE"]
    assert [a.params["PARTSTAT"] for a in attendees] == ["NEEDS-ACTION", "NEEDS-ACTION"]
    assert attendees[0].params["CN"] == "UBND xã Phú Lâm"


def test_cancel_keeps_the_uid() -> None:
    calendar, event = _event(calendar_text(invite(CalendarMethod.CANCEL, sequence=3)))
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["UID"]) == UID  # type: ignore[index]
    assert int(event["SEQUENCE"]) == 3  # type: ignore[index]
    assert str(event["STATUS"]) == "CANCELLED"  # type: ignore[index]


def test_cancellation_mail_carries_a_cancel_part() -> None:
    composed = compose(meeting_mail(MailKind.CANCELLATION, method=CalendarMethod.CANCEL, sequence=2))
    parts = {p.get_content_type(): p for p in composed.message.walk()}
    assert parts["text/calendar"].get_param("method") == "CANCEL"
    assert "application/pdf" not in parts


def test_meeting_uid_is_stable() -> None:
    assert meeting_uid(42, "giaoban.example.gov.vn") == UID


@pytest.mark.parametrize(
    "change",
    [
        {"start": datetime(2026, 3, 5, 8, 0)},
        {"end": START - timedelta(minutes=1)},
        {"sequence": -1},
        {"uid": "two words"},
        {"uid": "a\r\nb"},
    ],
)
def test_invalid_invites_are_refused(change: dict[str, object]) -> None:
    values: dict[str, object] = {
        "uid": UID,
        "sequence": 0,
        "method": CalendarMethod.REQUEST,
        "summary": "s",
        "start": START,
        "end": END,
        "organizer": ORGANIZER,
        "attendees": [PHU_LAM],
    }
    values.update(change)
    with pytest.raises(InvalidMailError):
        CalendarInvite(**values)  # type: ignore[arg-type]
