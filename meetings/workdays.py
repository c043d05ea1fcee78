"""Working days: Monday to Friday, less public holidays, plus declared make-up Saturdays.

Administrators keep both lists (tables ``holiday`` and ``makeup_day``); :class:`WorkCalendar` is an
immutable snapshot of them that the rules count with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

from sqlmodel import Field, Session, SQLModel, col, select

from meetings.access import require_manage_calendar
from meetings.audit import record
from meetings.errors import N_, NotFound, ValidationError, as_message
from meetings.people import Person
from meetings.text import refuse_nul


class Holiday(SQLModel, table=True):
    """A public holiday (ngày nghỉ lễ) falling on a day that would otherwise be worked."""

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(unique=True, index=True)
    name: str = Field(default="", max_length=200)


class MakeupDay(SQLModel, table=True):
    """A Saturday (or Sunday) the government declared a working day (ngày làm bù)."""

    __tablename__ = "makeup_day"

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(unique=True, index=True)
    name: str = Field(default="", max_length=200)


# A loop guard: no real calendar has a year without working days, but a bad list must not hang us.
_MAX_SCAN_DAYS = 3660


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are worked.

    A day is a working day when it is a declared make-up day, or when it is Monday–Friday and not a
    holiday. The two lists are kept disjoint by :func:`add_holiday` and :func:`add_makeup_day`; should a
    day still be in both, the holiday wins (nobody is expected at work on a public holiday).
    """

    holidays: frozenset[date] = frozenset()
    makeup_days: frozenset[date] = frozenset()

    def is_working_day(self, d: date) -> bool:
        if d in self.holidays:
            return False
        if d in self.makeup_days:
            return True
        return d.weekday() < 5

    def working_days_between(self, a: date, b: date) -> int:
        """The number of working days ``d`` with ``a < d <= b``: ``a`` excluded, ``b`` included.

        Zero when ``b <= a``. So ``working_days_between(d, d + 1 day)`` is 1 exactly when the day
        after ``d`` is worked.
        """
        count = 0
        d = a + timedelta(days=1)
        while d <= b:
            if self.is_working_day(d):
                count += 1
            d += timedelta(days=1)
        return count

    def add_working_days(self, d: date, n: int) -> date:
        """The ``n``-th working day after ``d`` (before it, for negative ``n``); ``d`` itself for 0.

        ``d`` need not be a working day. For ``n > 0``, ``working_days_between(d, result) == n`` and the
        result is a working day.
        """
        step = 1 if n >= 0 else -1
        remaining = abs(n)
        scanned = 0
        while remaining:
            d += timedelta(days=step)
            scanned += 1
            if scanned > _MAX_SCAN_DAYS:
                raise ValidationError(N_("Lịch làm việc không có ngày làm việc nào trong mười năm."))
            if self.is_working_day(d):
                remaining -= 1
        return d


def load_calendar(session: Session) -> WorkCalendar:
    """A snapshot of the holidays and make-up days kept in the database."""
    holidays = frozenset(session.exec(select(col(Holiday.day))).all())
    makeup = frozenset(session.exec(select(col(MakeupDay.day))).all())
    return WorkCalendar(holidays=holidays, makeup_days=makeup)


def list_holidays(session: Session, year: int | None = None) -> list[Holiday]:
    query = select(Holiday).order_by(col(Holiday.day))
    if year is not None:
        query = query.where(col(Holiday.day) >= date(year, 1, 1), col(Holiday.day) <= date(year, 12, 31))
    return list(session.exec(query).all())


def list_makeup_days(session: Session, year: int | None = None) -> list[MakeupDay]:
    query = select(MakeupDay).order_by(col(MakeupDay.day))
    if year is not None:
        query = query.where(col(MakeupDay.day) >= date(year, 1, 1), col(MakeupDay.day) <= date(year, 12, 31))
    return list(session.exec(query).all())


def format_day(d: date) -> str:
    """The Vietnamese way of writing a date: 05/03/2026."""
    return d.strftime("%d/%m/%Y")


def _clean_name(name: str) -> str:
    name = " ".join(refuse_nul(name, "name", N_("Tên ngày nghỉ/làm bù")).split())
    if len(name) > 200:
        raise ValidationError(N_("Tên ngày nghỉ/làm bù dài quá 200 ký tự."), field="name")
    return name


def add_holiday(session: Session, actor: Person, day: date, name: str = "") -> Holiday:
    """Declare a public holiday (administrators only)."""
    require_manage_calendar(actor)
    name = _clean_name(name)
    if session.exec(select(Holiday).where(Holiday.day == day)).first() is not None:
        raise ValidationError(N_("Ngày %(day)s đã có trong danh sách ngày nghỉ lễ."), field="day", day=format_day(day))
    if session.exec(select(MakeupDay).where(MakeupDay.day == day)).first() is not None:
        raise ValidationError(
            N_("Ngày %(day)s đang là ngày làm bù; hãy xoá ngày làm bù trước khi khai báo ngày nghỉ."),
            field="day",
            day=format_day(day),
        )
    holiday = Holiday(day=day, name=name)
    session.add(holiday)
    session.flush()
    record(session, actor.id, "create", "holiday", holiday.id, day=day.isoformat(), name=name)
    session.commit()
    return holiday


Day = TypeVar("Day", Holiday, MakeupDay)


def _remove(session: Session, actor: Person, model: type[Day], kind: str, day: date, listed: str) -> None:
    require_manage_calendar(actor)
    row = session.exec(select(model).where(model.day == day)).first()
    if row is None:
        raise NotFound(
            N_("Ngày %(day)s không có trong danh sách %(listed)s."),
            field="day",
            day=format_day(day),
            listed=as_message(listed),
        )
    record(session, actor.id, "delete", kind, row.id, day=day.isoformat(), name=row.name)
    session.delete(row)
    session.commit()


def remove_holiday(session: Session, actor: Person, day: date) -> None:
    _remove(session, actor, Holiday, "holiday", day, N_("ngày nghỉ lễ"))


def add_makeup_day(session: Session, actor: Person, day: date, name: str = "") -> MakeupDay:
    """Declare a weekend day worked in exchange for a day off (administrators only)."""
    require_manage_calendar(actor)
    name = _clean_name(name)
    if day.weekday() < 5:
        raise ValidationError(
            N_("Ngày %(day)s là ngày thường; ngày làm bù phải là thứ Bảy hoặc Chủ nhật."),
            field="day",
            day=format_day(day),
        )
    if session.exec(select(MakeupDay).where(MakeupDay.day == day)).first() is not None:
        raise ValidationError(N_("Ngày %(day)s đã có trong danh sách ngày làm bù."), field="day", day=format_day(day))
    if session.exec(select(Holiday).where(Holiday.day == day)).first() is not None:
        raise ValidationError(
            N_("Ngày %(day)s đang là ngày nghỉ lễ; hãy xoá ngày nghỉ trước khi khai báo ngày làm bù."),
            field="day",
            day=format_day(day),
        )
    makeup = MakeupDay(day=day, name=name)
    session.add(makeup)
    session.flush()
    record(session, actor.id, "create", "makeup_day", makeup.id, day=day.isoformat(), name=name)
    session.commit()
    return makeup


def remove_makeup_day(session: Session, actor: Person, day: date) -> None:
    _remove(session, actor, MakeupDay, "makeup_day", day, N_("ngày làm bù"))
