"""The mails' wording, in Vietnamese and English, rendered from plain contexts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from jinja2.exceptions import SecurityError

from mailer import (
    Contact,
    DocumentLink,
    InvalidMailError,
    MailKind,
    MailTemplates,
    RecordContext,
    RecordKind,
    render_mail,
)
from mailer.formatting import en_duration, en_span, vi_date, vi_duration, vi_size, vi_span
from tests.mailer.samples import END, START, VN, meeting_context

TZ = "Asia/Ho_Chi_Minh"


def test_vietnamese_dates_follow_decree_30() -> None:
    assert vi_date(START, TZ) == "thứ Năm, ngày 05 tháng 3 năm 2026"
    assert vi_date(datetime(2026, 2, 9, 8, 0, tzinfo=VN), TZ) == "thứ Hai, ngày 09 tháng 02 năm 2026"
    assert vi_date(datetime(2026, 11, 22, 8, 0, tzinfo=VN), TZ) == "Chủ nhật, ngày 22 tháng 11 năm 2026"
    assert vi_span(START, END, TZ) == "từ 08 giờ 00 đến 11 giờ 30, thứ Năm, ngày 05 tháng 3 năm 2026"
    # stored in UTC, shown in Vietnam time
    assert vi_span(START.astimezone(UTC), END.astimezone(UTC), TZ) == vi_span(START, END, TZ)
    assert vi_duration(timedelta(minutes=30)) == "30 phút"
    assert vi_duration(timedelta(days=1)) == "1 ngày"
    assert vi_duration(timedelta(hours=2, minutes=30)) == "2 giờ 30 phút"
    assert vi_size(12_300_000) == "12,3 MB"


def test_english_dates() -> None:
    assert en_span(START, END, TZ) == "Thursday, 5 March 2026, 08:00–11:30 (UTC+07:00)"
    assert en_duration(timedelta(minutes=1)) == "1 minute"
    assert en_duration(timedelta(days=1, hours=2)) == "1 day 2 hours"


def test_vietnamese_invitation() -> None:
    mail = render_mail(MailKind.INVITATION, meeting_context())
    assert mail.subject == "[Giấy mời] Họp giao ban tháng 3/2026 – 08:00 ngày 05/03/2026"
    text = mail.text
    for line in [
        "GIẤY MỜI",
        "Kính gửi: Chủ tịch UBND xã Phú Lâm",
        "Ủy ban nhân dân huyện Tân Phú trân trọng kính mời tham dự cuộc họp giao ban: “Họp giao ban tháng 3/2026”.",
        "Số: 15/GM-UBND",
        "Chủ trì: Nguyễn Văn An, Chủ tịch UBND huyện",
        "Thời gian: từ 08 giờ 00 đến 11 giờ 30, thứ Năm, ngày 05 tháng 3 năm 2026",
        "Điểm cầu của đơn vị: Điểm cầu UBND xã Phú Lâm",
        "Đường dẫn tham gia họp trực tuyến: https://giaoban.example.gov.vn/j/phu-lam-7f3a",
        "  1. Báo cáo kết quả tháng 02 — Văn phòng HĐND và UBND (20 phút)",
        "  2. Ý kiến các xã",
        "Đề nghị chuẩn bị:",
        "  - Báo cáo tháng 02.pdf (đính kèm thư này) [2 kB]",
        "  - Phụ lục số liệu.xlsx: https://giaoban.example.gov.vn/d/7 [12,3 MB]",
        "Xác nhận tham dự, báo vắng (nêu lý do) hoặc đề nghị cử người dự thay: "
        "https://giaoban.example.gov.vn/r/phu-lam-7f3a",
        "Người liên hệ: Trần Thị Bình, Chuyên viên Văn phòng, điện thoại 0274 3870 123.",
    ]:
        assert line in text.splitlines(), line
    assert "\n\n\n" not in text
    html = mail.html
    assert '<html lang="vi">' in html
    assert '<a href="https://giaoban.example.gov.vn/j/phu-lam-7f3a"' in html
    assert "<li>Ý kiến các xã</li>" in html


def test_english_invitation() -> None:
    mail = render_mail(MailKind.INVITATION, meeting_context(), language="en-GB")
    assert mail.subject == "[Invitation] Họp giao ban tháng 3/2026 – 5 Mar 2026 08:00"
    assert "Time: Thursday, 5 March 2026, 08:00–11:30 (UTC+07:00)" in mail.text.splitlines()
    assert "Chair: Nguyễn Văn An, Chủ tịch UBND huyện" in mail.text.splitlines()
    assert '<html lang="en">' in mail.html


def test_unknown_language_falls_back_to_vietnamese() -> None:
    assert render_mail(MailKind.REMINDER, meeting_context(), language="fr").subject.startswith("[Nhắc lịch họp]")


def test_urgent_invitation_says_so() -> None:
    mail = render_mail(MailKind.INVITATION, meeting_context(urgent=True))
    assert mail.subject.startswith("[Giấy mời họp đột xuất]")
    assert "GIẤY MỜI (họp đột xuất)" in mail.text


def test_update_lists_the_changes() -> None:
    mail = render_mail(MailKind.UPDATE, meeting_context(changes=["Giờ bắt đầu đổi từ 07 giờ 30 sang 08 giờ 00."]))
    assert mail.subject == "[Thay đổi lịch họp] Họp giao ban tháng 3/2026 – 08:00 ngày 05/03/2026"
    assert "  - Giờ bắt đầu đổi từ 07 giờ 30 sang 08 giờ 00." in mail.text.splitlines()
    assert "<li><strong>Giờ bắt đầu đổi từ 07 giờ 30 sang 08 giờ 00.</strong></li>" in mail.html


def test_cancellation_gives_the_reason_and_no_reply_link() -> None:
    mail = render_mail(MailKind.CANCELLATION, meeting_context(reason="Trùng lịch làm việc với đoàn công tác của tỉnh."))
    assert mail.subject == "[Hủy cuộc họp] Họp giao ban tháng 3/2026 – 08:00 ngày 05/03/2026"
    assert "Lý do: Trùng lịch làm việc với đoàn công tác của tỉnh." in mail.text.splitlines()
    assert "r/phu-lam-7f3a" not in mail.text and "r/phu-lam-7f3a" not in mail.html
    english = render_mail(MailKind.CANCELLATION, meeting_context(reason="Clash."), language="en")
    assert "Reason: Clash." in english.text.splitlines()


def test_reminder_says_how_soon() -> None:
    mail = render_mail(MailKind.REMINDER, meeting_context(starts_in=timedelta(minutes=30)))
    assert (
        "Cuộc họp “Họp giao ban tháng 3/2026” do Ủy ban nhân dân huyện Tân Phú triệu tập sẽ bắt đầu sau 30 phút."
        in mail.text.splitlines()
    )
    english = render_mail(MailKind.REMINDER, meeting_context(starts_in=timedelta(days=1)), language="en")
    assert "starts in 1 day." in english.text


def test_confidential_meeting_lists_no_documents() -> None:
    mail = render_mail(MailKind.INVITATION, meeting_context(confidential=True))
    assert "Báo cáo tháng 02.pdf" not in mail.text and "Báo cáo tháng 02.pdf" not in mail.html
    assert "cuộc họp mật" in mail.text


def test_minutes_circulation() -> None:
    record = RecordContext(
        kind=RecordKind.MINUTES,
        title="Biên bản họp giao ban tháng 3/2026",
        meeting_title="Họp giao ban tháng 3/2026",
        meeting_start=START,
        convening_unit="Ủy ban nhân dân huyện Tân Phú",
        number="12/BB-UBND",
        documents=[DocumentLink("12-BB-UBND.pdf", attached=True)],
        signer=Contact("Lê Văn Cường", "Chánh Văn phòng"),
    )
    mail = render_mail(MailKind.RECORD, record)
    assert mail.subject == "[Biên bản] Biên bản họp giao ban tháng 3/2026 (Số: 12/BB-UBND)"
    assert "  - 12-BB-UBND.pdf (đính kèm thư này)" in mail.text.splitlines()
    assert "CHÁNH VĂN PHÒNG" in mail.text.splitlines()
    conclusion = render_mail(MailKind.RECORD, {**record.__dict__, "kind": "conclusion"}, language="en")
    assert conclusion.subject == "[Conclusion notice] Biên bản họp giao ban tháng 3/2026 (No. 12/BB-UBND)"


def test_plain_dict_context() -> None:
    values = {
        "title": "Họp chuyên đề chuyển đổi số",
        "start": START,
        "end": END,
        "convening_unit": "UBND tỉnh",
        "chair": {"name": "Phạm Thị Dung", "position": "Phó Chủ tịch UBND tỉnh"},
        "agenda": [{"title": "Báo cáo của Sở", "minutes": 15}],
    }
    mail = render_mail(MailKind.INVITATION, values)
    assert "Chủ trì: Phạm Thị Dung, Phó Chủ tịch UBND tỉnh" in mail.text.splitlines()
    assert "  1. Báo cáo của Sở (15 phút)" in mail.text.splitlines()
    with pytest.raises(InvalidMailError, match="unknown_key"):
        render_mail(MailKind.INVITATION, {**values, "unknown_key": 1})
    with pytest.raises(InvalidMailError):
        render_mail(MailKind.INVITATION, {"title": "x"})
    with pytest.raises(InvalidMailError):
        render_mail(MailKind.RECORD, meeting_context())


def test_text_from_users_is_escaped_in_html() -> None:
    mail = render_mail(MailKind.INVITATION, meeting_context(title='<script>alert("x")</script>', content="a & b"))
    assert "<script>" not in mail.html
    assert "&lt;script&gt;" in mail.html
    assert "a &amp; b" in mail.html
    # and a line break in a title cannot break the subject
    assert "\n" not in render_mail(MailKind.INVITATION, meeting_context(title="a\nBcc: x")).subject


def test_administrators_can_override_a_template(tmp_path: Path) -> None:
    (tmp_path / "vi").mkdir()
    (tmp_path / "vi" / "reminder.subject.txt").write_text("Nhắc: {{ meeting.title }}", encoding="utf-8")
    templates = MailTemplates(override_dir=tmp_path)
    assert templates.render(MailKind.REMINDER, meeting_context()).subject == "Nhắc: Họp giao ban tháng 3/2026"
    # the other templates still come from the package
    assert templates.render(MailKind.INVITATION, meeting_context()).subject.startswith("[Giấy mời]")


def test_templates_run_sandboxed(tmp_path: Path) -> None:
    (tmp_path / "vi").mkdir()
    (tmp_path / "vi" / "reminder.subject.txt").write_text(
        "{{ meeting.__class__.__init__.__globals__ }}", encoding="utf-8"
    )
    with pytest.raises(SecurityError):
        MailTemplates(override_dir=tmp_path).render(MailKind.REMINDER, meeting_context())
