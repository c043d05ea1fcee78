"""What is filed beside the minutes' PDF: the attendance as CSV, and where the recordings can be fetched.

The recordings themselves are not put into the package: an hour of video is hundreds of megabytes, which a
document-management system should not receive by e-mail-sized POSTs. The package carries a short text file
with each recording's time, length and link instead (the link opens for people allowed to see the meeting).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlmodel import Session

from meetings.log import read as log
from meetings.meeting import Meeting
from meetings.records.attendance import site_attendance
from meetings.records.attendance_export import attendance_csv
from meetings.records.edxml import Attachment

ATTENDANCE_NAME = "diem-danh.csv"
RECORDINGS_NAME = "ghi-hinh.txt"


def _recordings_text(session: Session, meeting: Meeting, tz: ZoneInfo, base_url: str) -> str:
    assert meeting.id is not None
    lines = [f"Bản ghi hình cuộc họp «{meeting.title}»", ""]
    for number, rec in enumerate((r for r in log.recordings(session, meeting.id) if r.status == "done"), start=1):
        start = rec.started_at.astimezone(tz).strftime("%H:%M %d/%m/%Y")
        minutes = round((rec.duration_s or 0) / 60)
        size_mb = (rec.size_bytes or 0) / 1_000_000
        link = f"{base_url.rstrip('/')}/meetings/{meeting.id}/recordings/{rec.id}"
        lines.append(f"{number}. Bắt đầu {start}, dài {minutes} phút, {size_mb:.1f} MB: {link}")
    return "\r\n".join(lines) + "\r\n" if len(lines) > 2 else ""


def minutes_attachments(session: Session, meeting: Meeting, tz: ZoneInfo, base_url: str) -> list[Attachment]:
    """The attendance CSV, and the recordings' links when the meeting was recorded (content ids are given
    by the package)."""
    assert meeting.id is not None
    attachments = [
        Attachment(
            "",
            ATTENDANCE_NAME,
            "text/csv",
            attendance_csv(site_attendance(session, meeting.id), tz),
            "Điểm danh, thời gian có mặt của các điểm cầu",
        )
    ]
    recordings = _recordings_text(session, meeting, tz, base_url)
    if recordings:
        attachments.append(
            Attachment("", RECORDINGS_NAME, "text/plain", recordings.encode("utf-8"), "Đường dẫn tới bản ghi hình")
        )
    return attachments
