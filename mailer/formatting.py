"""Dates, times, durations and sizes written the way each language writes them in official mail.

Vietnamese follows Decree 30/2020/NĐ-CP: "ngày 05 tháng 3 năm 2026" — days below 10 and the months
January and February take a leading zero; times are "08 giờ 30".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

_VI_WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
_EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EN_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def _local(moment: datetime, timezone: str) -> datetime:
    return moment.astimezone(ZoneInfo(timezone))


# --- Vietnamese ---------------------------------------------------------------------------------------


def vi_date(moment: datetime, timezone: str) -> str:
    """``thứ Năm, ngày 05 tháng 3 năm 2026``"""
    local = _local(moment, timezone)
    month = f"{local.month:02d}" if local.month < 3 else str(local.month)
    return f"{_VI_WEEKDAYS[local.weekday()]}, ngày {local.day:02d} tháng {month} năm {local.year}"


def vi_time(moment: datetime, timezone: str) -> str:
    """``08 giờ 30``"""
    local = _local(moment, timezone)
    return f"{local.hour:02d} giờ {local.minute:02d}"


def vi_short(moment: datetime, timezone: str) -> str:
    """``08:30 ngày 05/3/2026`` — for subject lines."""
    local = _local(moment, timezone)
    return f"{local.hour:02d}:{local.minute:02d} ngày {local.day:02d}/{local.month:02d}/{local.year}"


def vi_span(start: datetime, end: datetime, timezone: str) -> str:
    """``từ 08 giờ 00 đến 11 giờ 30, thứ Năm, ngày 05 tháng 3 năm 2026``"""
    if _local(start, timezone).date() == _local(end, timezone).date():
        return f"từ {vi_time(start, timezone)} đến {vi_time(end, timezone)}, {vi_date(start, timezone)}"
    return (
        f"từ {vi_time(start, timezone)}, {vi_date(start, timezone)} "
        f"đến {vi_time(end, timezone)}, {vi_date(end, timezone)}"
    )


def vi_duration(span: timedelta) -> str:
    """``1 ngày``, ``2 giờ 30 phút``, ``30 phút``"""
    minutes = max(0, round(span.total_seconds() / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} ngày"] if days else []
    parts += [f"{hours} giờ"] if hours else []
    parts += [f"{minutes} phút"] if minutes or not parts else []
    return " ".join(parts)


# --- English ------------------------------------------------------------------------------------------


def en_date(moment: datetime, timezone: str) -> str:
    """``Thursday, 5 March 2026``"""
    local = _local(moment, timezone)
    return f"{_EN_WEEKDAYS[local.weekday()]}, {local.day} {_EN_MONTHS[local.month - 1]} {local.year}"


def en_time(moment: datetime, timezone: str) -> str:
    """``08:30``"""
    local = _local(moment, timezone)
    return f"{local.hour:02d}:{local.minute:02d}"


def en_short(moment: datetime, timezone: str) -> str:
    """``5 Mar 2026 08:30``"""
    local = _local(moment, timezone)
    return f"{local.day} {_EN_MONTHS[local.month - 1][:3]} {local.year} {local.hour:02d}:{local.minute:02d}"


def _utc_offset(moment: datetime, timezone: str) -> str:
    offset = _local(moment, timezone).strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}"


def en_span(start: datetime, end: datetime, timezone: str) -> str:
    """``Thursday, 5 March 2026, 08:00–11:30 (UTC+07:00)``"""
    zone = _utc_offset(start, timezone)
    if _local(start, timezone).date() == _local(end, timezone).date():
        return f"{en_date(start, timezone)}, {en_time(start, timezone)}–{en_time(end, timezone)} ({zone})"
    return (
        f"{en_date(start, timezone)} {en_time(start, timezone)} – "
        f"{en_date(end, timezone)} {en_time(end, timezone)} ({zone})"
    )


def en_duration(span: timedelta) -> str:
    """``1 day``, ``2 hours 30 minutes``, ``30 minutes``"""
    minutes = max(0, round(span.total_seconds() / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)

    def unit(n: int, word: str) -> str:
        return f"{n} {word}" + ("" if n == 1 else "s")

    parts = [unit(days, "day")] if days else []
    parts += [unit(hours, "hour")] if hours else []
    parts += [unit(minutes, "minute")] if minutes or not parts else []
    return " ".join(parts)


def en_size(size: int | None) -> str:
    """``1.2 MB`` / ``340 kB``"""
    if size is None:
        return ""
    if size < 1000:
        return f"{size} B"
    if size < 1_000_000:
        return f"{size / 1000:.0f} kB"
    return f"{size / 1_000_000:.1f} MB"


def vi_size(size: int | None) -> str:
    """``1,2 MB`` — Vietnamese writes a decimal comma."""
    return en_size(size).replace(".", ",")


FILTERS: dict[str, dict[str, Callable[..., str]]] = {
    "vi": {
        "date": vi_date, "time": vi_time, "short": vi_short, "span": vi_span,
        "duration": vi_duration, "size": vi_size,
    },
    "en": {
        "date": en_date, "time": en_time, "short": en_short, "span": en_span,
        "duration": en_duration, "size": en_size,
    },
}  # fmt: skip
"""Jinja filters per language; templates write ``{{ m.start | date(m.timezone) }}``."""
