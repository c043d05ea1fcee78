"""Dates and times as official documents write them (Decree 30/2020/NĐ-CP, Appendix I).

Days below 10 and the months January and February take a leading zero ("ngày 05 tháng 01",
"ngày 15 tháng 3"): the zero keeps a handwritten digit from being added in front later.
"""

from __future__ import annotations

from datetime import date, datetime


def day_month_year(value: date) -> str:
    """``ngày 05 tháng 3 năm 2026``."""
    month = f"{value.month:02d}" if value.month < 3 else str(value.month)
    return f"ngày {value.day:02d} tháng {month} năm {value.year}"


def place_and_date(place: str, value: date) -> str:
    """The place-and-date line: ``Xã A, ngày 05 tháng 3 năm 2026``."""
    return f"{place}, {day_month_year(value)}"


def clock(value: datetime) -> str:
    """``08 giờ 30 phút`` from a local (wall clock) time."""
    return f"{value.hour:02d} giờ {value.minute:02d} phút"


def clock_and_day(value: datetime) -> str:
    """``08 giờ 30 phút, ngày 05 tháng 3 năm 2026`` from a local (wall clock) time."""
    return f"{clock(value)}, {day_month_year(value.date())}"


def slashed(value: date) -> str:
    """``2026/03/05``, the date form of edXML headers (QCVN 102:2016)."""
    return f"{value.year:04d}/{value.month:02d}/{value.day:02d}"
