"""The convening unit's dashboard: how many meetings it held each month, how the units it invites took
part, which conclusion notices are overdue, and which filing packages have not reached the
document-management system.

Only the unit's managers (its chairs and secretaries) and administrators see it: it speaks of every
invited unit's attendance, which a commune official sees only meeting by meeting, for the meetings
their commune was invited to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from meetings.access import can_create_meeting, is_administrator
from meetings.errors import N_, Forbidden, NotFound
from meetings.meeting import Meeting, MeetingState
from meetings.minutes.conclusion import ConclusionStatus, overdue_conclusions
from meetings.outbox import OutboxItem, OutboxStatus
from meetings.people import Person
from meetings.records.attendance import site_attendance
from meetings.records.filing import EDXML, FiledPackage, meeting_filing
from meetings.units import Unit

Month = tuple[int, int]
"""(year, month)"""

_HELD = frozenset({MeetingState.LIVE, MeetingState.ENDED, MeetingState.MINUTES_APPROVED, MeetingState.FILED})
"""Meetings that took place: their attendance counts."""
_ANNOUNCED = _HELD | {MeetingState.PUBLISHED}


def can_see_dashboard(person: Person, unit_id: int) -> bool:
    """An administrator for any unit; a chair or secretary for their own unit."""
    return can_create_meeting(person, unit_id)


def require_dashboard(person: Person, unit_id: int) -> None:
    if not can_see_dashboard(person, unit_id):
        raise Forbidden(N_("Chỉ chủ trì, thư ký của đơn vị (hoặc quản trị viên) được xem bảng tổng hợp của đơn vị."))


def dashboard_units(session: Session, person: Person) -> list[Unit]:
    """The units whose dashboard ``person`` may open (administrators: all of them)."""
    if is_administrator(person):
        return list(session.exec(select(Unit).order_by(col(Unit.code))).all())
    unit = session.get(Unit, person.unit_id)
    return [unit] if unit is not None and can_see_dashboard(person, person.unit_id) else []


def last_months(today: date, count: int = 12) -> list[Month]:
    """The ``count`` months up to and including ``today``'s, oldest first."""
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def month_label(month: Month) -> str:
    return f"{month[1]:02d}/{month[0]}"


@dataclass
class Participation:
    """One invited unit's participation: per month, meetings attended and meetings invited to."""

    unit_id: int
    unit_name: str
    attended: list[int] = field(default_factory=list)
    invited: list[int] = field(default_factory=list)

    def share(self, index: int) -> float | None:
        return self.attended[index] / self.invited[index] if self.invited[index] else None


@dataclass(frozen=True)
class UnfiledPackage:
    meeting: Meeting
    package: FiledPackage


@dataclass(frozen=True)
class Dashboard:
    unit: Unit
    months: list[Month]
    meetings_per_month: list[int]
    participation: list[Participation]
    overdue: list[ConclusionStatus]
    unfiled: list[UnfiledPackage]


def _meetings(session: Session, unit_id: int, months: Sequence[Month], tz: ZoneInfo) -> list[Meeting]:
    first, last = months[0], months[-1]
    start = datetime.combine(date(first[0], first[1], 1), time.min, tz)
    following = (last[0] + 1, 1) if last[1] == 12 else (last[0], last[1] + 1)
    end = datetime.combine(date(following[0], following[1], 1), time.min, tz)
    query = (
        select(Meeting)
        .where(Meeting.convening_unit_id == unit_id, col(Meeting.state).in_(list(_ANNOUNCED)))
        .where(col(Meeting.start_at) >= start, col(Meeting.start_at) < end)
        .order_by(col(Meeting.start_at))
    )
    return list(session.exec(query).all())


def _month_of(meeting: Meeting, tz: ZoneInfo) -> Month:
    local = meeting.start_at.astimezone(tz)
    return (local.year, local.month)


def participation(
    session: Session, unit_id: int, meetings: Sequence[Meeting], months: Sequence[Month], tz: ZoneInfo, now: datetime
) -> list[Participation]:
    """Per invited unit (the convening unit itself left out) and month, of the meetings held: how many it
    was invited to and how many it attended (present on line or in person at some point)."""
    index = {month: i for i, month in enumerate(months)}
    rows: dict[int, Participation] = {}
    for meeting in meetings:
        if meeting.state not in _HELD or meeting.id is None:
            continue
        column = index[_month_of(meeting, tz)]
        for site in site_attendance(session, meeting.id, now=now):
            if site.unit_id == unit_id:
                continue
            row = rows.setdefault(
                site.unit_id, Participation(site.unit_id, site.unit_name, [0] * len(months), [0] * len(months))
            )
            row.invited[column] += 1
            row.attended[column] += int(site.present)
    return sorted(rows.values(), key=lambda r: r.unit_name)


def unfiled_packages(session: Session, unit_id: int) -> list[UnfiledPackage]:
    """The unit's filing packages not yet delivered, or rejected by the receiving system."""
    meeting_ids = session.exec(
        select(OutboxItem.meeting_id)
        .join(Meeting, col(Meeting.id) == col(OutboxItem.meeting_id))
        .where(OutboxItem.kind == EDXML, Meeting.convening_unit_id == unit_id)
        .distinct()
    ).all()
    found = []
    for meeting_id in sorted(m for m in meeting_ids if m is not None):
        meeting = session.get(Meeting, meeting_id)
        assert meeting is not None
        for package in meeting_filing(session, meeting_id):
            if package.item.status != OutboxStatus.DELIVERED or package.rejected:
                found.append(UnfiledPackage(meeting, package))
    return found


def dashboard(session: Session, actor: Person, unit_id: int, *, now: datetime, tz: ZoneInfo) -> Dashboard:
    """Everything the dashboard shows for ``unit_id``, over the last 12 months."""
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(N_("Không tìm thấy đơn vị (mã %(id)s)."), id=unit_id)
    require_dashboard(actor, unit_id)
    months = last_months(now.astimezone(tz).date())
    meetings = _meetings(session, unit_id, months, tz)
    per_month = [0] * len(months)
    index = {month: i for i, month in enumerate(months)}
    for meeting in meetings:
        per_month[index[_month_of(meeting, tz)]] += 1
    return Dashboard(
        unit=unit,
        months=months,
        meetings_per_month=per_month,
        participation=participation(session, unit_id, meetings, months, tz, now),
        overdue=overdue_conclusions(session, unit_id, now, tz),
        unfiled=unfiled_packages(session, unit_id),
    )
