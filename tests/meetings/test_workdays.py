"""Working days on hand-written calendars: a Tết-like holiday week, a make-up Saturday, weekends."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, col, select

from meetings.audit import AuditEntry
from meetings.errors import Forbidden, NotFound, ValidationError
from meetings.people import Person, Role
from meetings.units import Unit, UnitLevel
from meetings.workdays import (
    WorkCalendar,
    add_holiday,
    add_makeup_day,
    list_holidays,
    list_makeup_days,
    load_calendar,
    remove_holiday,
    remove_makeup_day,
)

# February 2026: Sunday the 1st. Tết week Monday 16 – Friday 20 off; Saturday 7 worked in exchange.
TET_WEEK = frozenset(date(2026, 2, d) for d in (16, 17, 18, 19, 20))
TET = WorkCalendar(holidays=TET_WEEK, makeup_days=frozenset({date(2026, 2, 7)}))
PLAIN = WorkCalendar(holidays=frozenset(), makeup_days=frozenset())


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 2, 6), True),  # Friday
        (date(2026, 2, 7), True),  # make-up Saturday
        (date(2026, 2, 8), False),  # Sunday
        (date(2026, 2, 14), False),  # Saturday before Tết
        (date(2026, 2, 16), False),  # Monday, holiday
        (date(2026, 2, 20), False),  # Friday, holiday
        (date(2026, 2, 21), False),  # Saturday, not a make-up day
        (date(2026, 2, 23), True),  # Monday back at work
    ],
)
def test_is_working_day(day: date, expected: bool) -> None:
    assert TET.is_working_day(day) is expected


def test_holiday_wins_over_makeup_if_both_listed() -> None:
    both = WorkCalendar(holidays=frozenset({date(2026, 2, 7)}), makeup_days=frozenset({date(2026, 2, 7)}))
    assert not both.is_working_day(date(2026, 2, 7))


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (date(2026, 2, 13), date(2026, 2, 23), 1),  # across Tết: only Monday 23 counts
        (date(2026, 2, 5), date(2026, 2, 9), 3),  # Fri 6, Sat 7 (make-up), Mon 9
        (date(2026, 2, 5), date(2026, 2, 5), 0),  # empty interval
        (date(2026, 2, 9), date(2026, 2, 5), 0),  # reversed interval
        (date(2026, 2, 13), date(2026, 2, 22), 0),  # Saturday to Sunday through a holiday week
        (date(2026, 2, 12), date(2026, 2, 13), 1),  # b itself counts
    ],
)
def test_working_days_between(a: date, b: date, expected: int) -> None:
    assert TET.working_days_between(a, b) == expected


def test_working_days_between_plain_week() -> None:
    # Friday 06/03/2026 → Friday 13/03/2026: Mon..Fri.
    assert PLAIN.working_days_between(date(2026, 3, 6), date(2026, 3, 13)) == 5


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 2, 13), 1, date(2026, 2, 23)),  # Friday before Tết + 1 → Monday after
        (date(2026, 2, 12), 3, date(2026, 2, 24)),  # Fri 13, Mon 23, Tue 24
        (date(2026, 2, 14), 0, date(2026, 2, 14)),  # 0 is the day itself, worked or not
        (date(2026, 2, 23), -1, date(2026, 2, 13)),
        (date(2026, 2, 9), -1, date(2026, 2, 7)),  # the make-up Saturday
        (date(2026, 2, 9), -2, date(2026, 2, 6)),
        (date(2026, 2, 6), 1, date(2026, 2, 7)),
        (date(2026, 3, 6), 1, date(2026, 3, 9)),  # plain weekend skipped
    ],
)
def test_add_working_days(start: date, n: int, expected: date) -> None:
    assert TET.add_working_days(start, n) == expected


def test_add_working_days_refuses_a_calendar_without_working_days() -> None:
    every_day = frozenset(date(2026, 1, 1) + timedelta(days=i) for i in range(4000))
    with pytest.raises(ValidationError):
        WorkCalendar(holidays=every_day).add_working_days(date(2026, 1, 1), 1)


# --- the lists kept by administrators ------------------------------------------------------------


def _people(session: Session) -> tuple[Person, Person]:
    unit = Unit(name="UBND huyện Ngọc Khê", code="000.00.12.H49", level=UnitLevel.DISTRICT)
    session.add(unit)
    session.flush()
    assert unit.id is not None
    admin = Person(username="quantri", full_name="Quản Trị", unit_id=unit.id, roles=Role.ADMINISTRATOR.value)
    chair = Person(username="chutich", full_name="Chủ Tịch", unit_id=unit.id, roles=Role.CHAIR.value)
    session.add_all([admin, chair])
    session.commit()
    return admin, chair


def test_administrator_keeps_the_lists(session: Session) -> None:
    admin, _chair = _people(session)
    add_holiday(session, admin, date(2026, 9, 2), "  Quốc khánh  ")
    add_holiday(session, admin, date(2026, 1, 1), "Tết Dương lịch")
    add_makeup_day(session, admin, date(2026, 2, 7), "Làm bù cho ngày 20/02")

    calendar = load_calendar(session)
    assert calendar == WorkCalendar(
        holidays=frozenset({date(2026, 9, 2), date(2026, 1, 1)}), makeup_days=frozenset({date(2026, 2, 7)})
    )
    assert [(h.day, h.name) for h in list_holidays(session, 2026)] == [
        (date(2026, 1, 1), "Tết Dương lịch"),
        (date(2026, 9, 2), "Quốc khánh"),
    ]
    assert list_holidays(session, 2027) == []
    assert [m.day for m in list_makeup_days(session)] == [date(2026, 2, 7)]

    remove_holiday(session, admin, date(2026, 9, 2))
    remove_makeup_day(session, admin, date(2026, 2, 7))
    assert load_calendar(session) == WorkCalendar(holidays=frozenset({date(2026, 1, 1)}))

    entries = session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()
    assert [(e.action, e.object_type, e.actor_id) for e in entries] == [
        ("create", "holiday", admin.id),
        ("create", "holiday", admin.id),
        ("create", "makeup_day", admin.id),
        ("delete", "holiday", admin.id),
        ("delete", "makeup_day", admin.id),
    ]
    assert '"day": "2026-09-02"' in entries[0].detail


def test_calendar_lists_refuse_bad_input(session: Session) -> None:
    admin, chair = _people(session)
    with pytest.raises(Forbidden):
        add_holiday(session, chair, date(2026, 9, 2), "Quốc khánh")
    add_holiday(session, admin, date(2026, 9, 2), "Quốc khánh")
    with pytest.raises(ValidationError, match="đã có trong danh sách ngày nghỉ lễ") as dup:
        add_holiday(session, admin, date(2026, 9, 2), "again")
    assert dup.value.field == "day"
    with pytest.raises(ValidationError, match="phải là thứ Bảy hoặc Chủ nhật"):
        add_makeup_day(session, admin, date(2026, 2, 6))  # a Friday
    add_makeup_day(session, admin, date(2026, 2, 7))
    with pytest.raises(ValidationError, match="đang là ngày làm bù"):
        add_holiday(session, admin, date(2026, 2, 7))
    with pytest.raises(ValidationError, match="đã có trong danh sách ngày làm bù"):
        add_makeup_day(session, admin, date(2026, 2, 7))
    add_holiday(session, admin, date(2026, 2, 14), "Saturday holiday, harmless")
    with pytest.raises(ValidationError, match="đang là ngày nghỉ lễ"):
        add_makeup_day(session, admin, date(2026, 2, 14))
    with pytest.raises(NotFound):
        remove_holiday(session, admin, date(2026, 5, 1))
    with pytest.raises(NotFound):
        remove_makeup_day(session, admin, date(2026, 5, 2))
    with pytest.raises(Forbidden):
        remove_holiday(session, chair, date(2026, 9, 2))
    with pytest.raises(ValidationError):
        add_holiday(session, admin, date(2026, 4, 30), "x" * 201)
