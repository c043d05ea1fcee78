"""The documents mail (documents added to a published meeting): both languages, attached and linked
documents, the join link, and a confidential meeting's notice instead of documents."""

from __future__ import annotations

from mailer import DocumentLink, MailKind, MeetingContext, render_mail
from tests.mailer.samples import meeting_context

DOCUMENTS = (
    DocumentLink("Báo cáo <tháng 3>.pdf", size_bytes=3_000, attached=True),
    DocumentLink("Kế hoạch.docx", url="https://giaoban.tanphu.gov.vn/meetings/42/documents/7", size_bytes=20_000),
)


def context(**changes: object) -> MeetingContext:
    values: dict[str, object] = {
        "documents": DOCUMENTS,
        "join_url": "https://giaoban.tanphu.gov.vn/join/abc",
        "meeting_url": "https://giaoban.tanphu.gov.vn/meetings/42",
        **changes,
    }
    return meeting_context(**values)


def test_the_documents_mail_in_vietnamese() -> None:
    mail = render_mail(MailKind.DOCUMENTS, context())
    assert mail.subject == "[Tài liệu họp] Họp giao ban tháng 3/2026 – 08:00 ngày 05/03/2026"
    assert "TÀI LIỆU CUỘC HỌP" in mail.text
    assert "Đường dẫn tham gia họp trực tuyến: https://giaoban.tanphu.gov.vn/join/abc" in mail.text
    assert "  - Báo cáo <tháng 3>.pdf (đính kèm thư này) [3 kB]" in mail.text
    assert "  - Kế hoạch.docx: https://giaoban.tanphu.gov.vn/meetings/42/documents/7 [20 kB]" in mail.text
    assert "xem trên trang cuộc họp: https://giaoban.tanphu.gov.vn/meetings/42." in mail.text
    assert "Báo cáo &lt;tháng 3&gt;.pdf" in mail.html and "<tháng 3>" not in mail.html
    assert '<a href="https://giaoban.tanphu.gov.vn/meetings/42/documents/7">Kế hoạch.docx</a>' in mail.html
    assert '<a href="https://giaoban.tanphu.gov.vn/meetings/42">trang cuộc họp</a>' in mail.html


def test_the_documents_mail_in_english_and_with_everything_attached() -> None:
    attached = (DOCUMENTS[0],)
    mail = render_mail(MailKind.DOCUMENTS, context(documents=attached), language="en")
    assert mail.subject.startswith("[Meeting documents] Họp giao ban tháng 3/2026")
    assert "Báo cáo <tháng 3>.pdf (attached)" in mail.text
    assert "Join the online meeting: https://giaoban.tanphu.gov.vn/join/abc" in mail.text
    assert "too large" not in mail.text and "too large" not in mail.html


def test_a_confidential_meeting_gets_the_notice_never_the_list() -> None:
    mail = render_mail(MailKind.DOCUMENTS, context(confidential=True))
    assert "Đây là cuộc họp mật: tài liệu không gửi qua thư điện tử" in mail.text
    assert "Kế hoạch.docx" not in mail.text and "Kế hoạch.docx" not in mail.html
