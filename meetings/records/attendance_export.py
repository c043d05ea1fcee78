"""The attendance as a CSV file that Excel opens correctly, for the secretary and as an attachment of the
filed minutes.

- UTF-8 with a byte-order mark: without it Excel reads the file in the Windows code page and Vietnamese
  names come out garbled ("HÃ²a TiÃªn").
- Fields separated by ``;``. When a .csv file is opened by double-click, Excel splits it on the list
  separator of the Windows regional settings, and Vietnamese settings (vi-VN) use the decimal comma and
  therefore ``;`` as the list separator: a ``,`` file would land in one column there. (A ``sep=;`` first
  line would force it in any locale, but Excel then ignores the byte-order mark, so it is not used.)
- Quoting as RFC 4180 (a field with ``;``, ``"`` or a line break in quotes, quotes doubled), CRLF line ends.
- Times in the meeting's local time (Asia/Ho_Chi_Minh), ``dd/mm/yyyy HH:MM`` as vi-VN Excel reads dates;
  durations in whole minutes, so no decimal separator is involved.
- A text beginning with ``=``, ``+``, ``-`` or ``@`` (a site named by a user) is prefixed with ``'`` so Excel
  shows it instead of evaluating it as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from meetings.records.attendance import SiteAttendance

BOM = "\ufeff"
DELIMITER = ";"

HEADER = [
    "STT",
    "Điểm cầu",
    "Đơn vị",
    "Điểm danh",
    "Số người",
    "Lý do vắng",
    "Người dự thay",
    "Vào lúc",
    "Rời lúc",
    "Thời gian có mặt (phút)",
    "Số lần kết nối",
    "Các khoảng có mặt",
]


def _safe(text: str) -> str:
    """Neutralise formula-looking text (CSV injection)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _local(value: datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%d/%m/%Y %H:%M") if value is not None else ""


def _clock(value: datetime, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%H:%M")


def attendance_csv(attendance: Sequence[SiteAttendance], tz: ZoneInfo) -> bytes:
    """The CSV bytes, byte-order mark first."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=DELIMITER, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(HEADER)
    for number, a in enumerate(attendance, start=1):
        roll_call = a.status_label + (" (chủ trì điều chỉnh)" if a.roll_call_corrected else "")
        intervals = ", ".join(f"{_clock(i.start, tz)}–{_clock(i.end, tz)}" for i in a.intervals)
        writer.writerow(
            [
                number,
                _safe(a.site_name),
                _safe(a.unit_name),
                roll_call,
                "" if a.headcount is None else a.headcount,
                _safe(a.reason),
                _safe(a.deputy),
                _local(a.first_joined_at, tz),
                _local(a.last_left_at, tz),
                a.present_minutes,
                len(a.connections),
                intervals,
            ]
        )
    return (BOM + buffer.getvalue()).encode("utf-8")


def csv_filename(meeting_id: int) -> str:
    return f"diem-danh-cuoc-hop-{meeting_id}.csv"
