"""A commune's invitation to a district briefing, the way the domain will hand it to the mailer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from mailer import (
    AgendaEntry,
    Attachment,
    CalendarInvite,
    CalendarMethod,
    Contact,
    DocumentLink,
    MailKind,
    MeetingContext,
    OutgoingMail,
    Recipient,
    render_mail,
)

VN = timezone(timedelta(hours=7))
START = datetime(2026, 3, 5, 8, 0, tzinfo=VN)
END = datetime(2026, 3, 5, 11, 30, tzinfo=VN)
STAMP = datetime(2026, 2, 27, 2, 0, tzinfo=UTC)
UID = "meeting-42@giaoban.example.gov.vn"

SENDER = Recipient("vanphong@tanphu.example.gov.vn", "Văn phòng HĐND và UBND huyện Tân Phú")
ORGANIZER = Recipient("ubnd@tanphu.example.gov.vn", "Ủy ban nhân dân huyện Tân Phú")
PHU_LAM = Recipient("ubnd.phulam@tanphu.example.gov.vn", "UBND xã Phú Lâm")
PHU_THANH = Recipient("ubnd.phuthanh@tanphu.example.gov.vn", "UBND xã Phú Thạnh", language="en")

PDF = b"%PDF-1.4\n% tai lieu hop\n" + bytes(range(256)) * 8


def meeting_context(**changes: object) -> MeetingContext:
    values: dict[str, object] = {
        "title": "Họp giao ban tháng 3/2026",
        "start": START,
        "end": END,
        "convening_unit": "Ủy ban nhân dân huyện Tân Phú",
        "chair": Contact("Nguyễn Văn An", "Chủ tịch UBND huyện"),
        "number": "15/GM-UBND",
        "kind": "cuộc họp giao ban",
        "content": "Đánh giá kết quả tháng 02, triển khai nhiệm vụ tháng 3.",
        "place": "Phòng họp trực tuyến UBND huyện",
        "site_name": "Điểm cầu UBND xã Phú Lâm",
        "join_url": "https://giaoban.example.gov.vn/j/phu-lam-7f3a",
        "agenda": (
            AgendaEntry("Báo cáo kết quả tháng 02", "Văn phòng HĐND và UBND", 20),
            AgendaEntry("Ý kiến các xã"),
        ),
        "preparation": "Báo cáo tóm tắt kết quả thực hiện nhiệm vụ tháng 02.",
        "contact": Contact("Trần Thị Bình", "Chuyên viên Văn phòng", phone="0274 3870 123"),
        "documents": (
            DocumentLink("Báo cáo tháng 02.pdf", attached=True, size_bytes=len(PDF)),
            DocumentLink("Phụ lục số liệu.xlsx", url="https://giaoban.example.gov.vn/d/7", size_bytes=12_300_000),
        ),
        "reply_url": "https://giaoban.example.gov.vn/r/phu-lam-7f3a",
        "recipient_name": "Chủ tịch UBND xã Phú Lâm",
    }
    values.update(changes)
    return MeetingContext(**values)  # type: ignore[arg-type]


def invite(method: CalendarMethod = CalendarMethod.REQUEST, sequence: int = 0) -> CalendarInvite:
    return CalendarInvite(
        uid=UID,
        sequence=sequence,
        method=method,
        summary="Họp giao ban tháng 3/2026",
        start=START,
        end=END,
        organizer=ORGANIZER,
        attendees=[PHU_LAM, PHU_THANH],
        description="Đánh giá kết quả tháng 02, triển khai nhiệm vụ tháng 3.",
        location="https://giaoban.example.gov.vn/j/phu-lam-7f3a",
        stamp=STAMP,
    )


def meeting_mail(
    kind: MailKind = MailKind.INVITATION,
    *,
    to: Recipient = PHU_LAM,
    method: CalendarMethod = CalendarMethod.REQUEST,
    sequence: int = 0,
    message_id: str | None = None,
    **context: object,
) -> OutgoingMail:
    rendered = render_mail(kind, meeting_context(**context), language=to.language)
    return OutgoingMail(
        sender=SENDER,
        to=[to],
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        attachments=[Attachment("Báo cáo tháng 02.pdf", PDF, "application/pdf")] if kind is MailKind.INVITATION else [],
        calendar=invite(method, sequence),
        message_id=message_id,
        language=to.language,
        date=STAMP,
    )
