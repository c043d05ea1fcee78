"""The demo's meetings: dated from the day of seeding by the notice rule and the holidays, made through
the scheduling functions as the secretary, and made once."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, col, select

from meetings.audit import AuditEntry
from meetings.demo import seed_demo
from meetings.demo_meetings import briefing_day, seed_demo_meetings, urgent_start
from meetings.meeting import Meeting, MeetingKind, MeetingSite, MeetingState
from meetings.people import Person
from meetings.rules import format_span
from meetings.scheduling import agenda_of, check_publishable
from meetings.units import Site, Unit
from meetings.workdays import load_calendar
from tests.meetings.test_demo import FAST

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def _local(*args: int) -> datetime:
    return datetime(*args, tzinfo=HCM)  # type: ignore[misc]


def _span(meeting: Meeting) -> str:
    return format_span(meeting.start_at, meeting.end_at, HCM)


def _site_units(session: Session, meeting_id: int) -> list[str]:
    rows = session.exec(
        select(Unit.name)
        .join(Site, col(Site.unit_id) == col(Unit.id))
        .join(MeetingSite, col(MeetingSite.site_id) == col(Site.id))
        .where(MeetingSite.meeting_id == meeting_id)
        .order_by(col(MeetingSite.id))
    ).all()
    return list(rows)


def test_seeded_on_a_wednesday_morning(session: Session) -> None:
    seed_demo(session, hasher=FAST)
    now = _local(2026, 11, 25, 9, 10)  # Wednesday
    made = seed_demo_meetings(session, now=now, tz=HCM)
    assert made is not None and made.urgent is not None
    assert made.to_publish == (made.briefing, made.urgent)
    briefing, thematic, urgent = (session.get(Meeting, i) for i in (made.briefing, made.thematic, made.urgent))
    assert briefing is not None and thematic is not None and urgent is not None
    secretary = session.exec(select(Person).where(Person.username == "chanhvanphong")).one()
    chair = session.exec(select(Person).where(Person.username == "chutich")).one()

    # Announced on Wednesday 25/11: Thursday, Friday and Monday give the notice; the briefing is on Tuesday.
    assert briefing.title == "Giao ban công tác tuần với các xã, thị trấn"
    assert (briefing.kind, briefing.state, briefing.urgent) == (MeetingKind.BRIEFING, MeetingState.DRAFT, False)
    assert _span(briefing) == "08:00–10:00 ngày 01/12/2026"
    assert _site_units(session, made.briefing) == [
        "UBND huyện Ngọc Khê", "UBND thị trấn Ngọc Khê", "UBND xã Tân Lập", "UBND xã Hòa Bình", "UBND xã Phúc Sơn",
        "UBND xã Đồng Tâm", "UBND xã Thanh Vân", "UBND xã Minh Khai", "UBND xã Yên Thịnh", "UBND xã Bản Giàng",
        "UBND xã Quyết Tiến",
    ]  # fmt: skip
    assert [a.title for a in agenda_of(session, made.briefing)] == [
        "Kết quả công tác tuần, nhiệm vụ tuần tới", "Các xã, thị trấn báo cáo nhanh tình hình",
        "Ý kiến của các phòng, ban chuyên môn", "Kết luận của Chủ tịch UBND huyện",
    ]  # fmt: skip
    assert (briefing.chair_id, briefing.secretary_id, briefing.created_by_id) == (chair.id, secretary.id, secretary.id)

    # The thematic meeting: still a draft, two working days after the briefing.
    assert thematic.title == "Họp chuyên đề chuyển đổi số cấp xã"
    assert (thematic.kind, thematic.state) == (MeetingKind.PROFESSIONAL, MeetingState.DRAFT)
    assert _span(thematic) == "14:00–16:30 ngày 03/12/2026"
    assert _site_units(session, made.thematic) == [
        "UBND huyện Ngọc Khê", "UBND thị trấn Ngọc Khê", "UBND xã Tân Lập", "UBND xã Hòa Bình", "UBND xã Đồng Tâm",
        "UBND xã Minh Khai",
    ]  # fmt: skip

    # Urgent, today: 09:10 and 45 minutes is 09:55, so on the hour at 10:00, with the mountain communes.
    assert urgent.title == "Triển khai ứng phó mưa lớn, lũ quét"
    assert (urgent.kind, urgent.state, urgent.urgent) == (MeetingKind.RESOLUTION, MeetingState.DRAFT, True)
    assert urgent.urgent_reason.startswith("Đài Khí tượng Thủy văn tỉnh cảnh báo mưa lớn")
    assert _span(urgent) == "10:00–11:00 ngày 25/11/2026"
    assert _site_units(session, made.urgent) == [
        "UBND huyện Ngọc Khê", "UBND xã Phúc Sơn", "UBND xã Yên Thịnh", "UBND xã Bản Giàng", "UBND xã Quyết Tiến",
    ]  # fmt: skip

    # Both may be published now by the rules (notice; no chair or site in two meetings at once): the
    # same checks the publishing step makes.
    for meeting_id in made.to_publish:
        check_publishable(session, secretary, meeting_id, now=now, tz=HCM)
    meeting_entries = select(AuditEntry.action, AuditEntry.actor_id).where(AuditEntry.object_type == "meeting")
    actions = session.exec(meeting_entries.order_by(col(AuditEntry.id)))
    assert list(actions) == [("create", secretary.id)] * 3


def test_seeded_twice_makes_the_meetings_once(session: Session) -> None:
    seed_demo(session, hasher=FAST)
    now = _local(2026, 11, 25, 9, 10)
    assert seed_demo_meetings(session, now=now, tz=HCM) is not None
    assert seed_demo_meetings(session, now=_local(2026, 12, 2, 9, 0), tz=HCM) is None
    assert len(session.exec(select(Meeting)).all()) == 3


def test_no_demo_district_no_meetings(session: Session) -> None:
    assert seed_demo_meetings(session, now=_local(2026, 11, 25, 9, 10), tz=HCM) is None
    assert session.exec(select(Meeting)).all() == []


def test_holidays_push_the_briefing_back(session: Session) -> None:
    seed_demo(session, hasher=FAST)
    calendar = load_calendar(session)
    # Wednesday 28/04/2027: Thursday 29/04 is worked; 30/04 and Monday 03/05 (for 1 May, a Saturday) are
    # holidays; Tuesday 04/05 and Wednesday 05/05 complete the three days: the briefing is on Thursday 06/05.
    assert briefing_day(calendar, _local(2027, 4, 28, 9).date()) == _local(2027, 5, 6).date()
    # Friday 28/08/2026: Monday 31/08, then 01/09 and 02/09 are holidays; Thursday 03/09 and Friday 04/09.
    assert briefing_day(calendar, _local(2026, 8, 28, 9).date()) == _local(2026, 9, 7).date()
    # Announced on a Thursday: Friday, Monday, Tuesday; Wednesday is the first day allowed.
    assert briefing_day(calendar, _local(2026, 11, 26, 16).date()) == _local(2026, 12, 2).date()
    # Announced on a Tuesday the first day allowed is Saturday: the briefing waits for Monday.
    assert briefing_day(calendar, _local(2026, 11, 24, 9).date()) == _local(2026, 11, 30).date()

    made = seed_demo_meetings(session, now=_local(2027, 4, 28, 16, 50), tz=HCM)
    assert made is not None
    briefing, thematic = session.get(Meeting, made.briefing), session.get(Meeting, made.thematic)
    assert briefing is not None and thematic is not None
    assert _span(briefing) == "08:00–10:00 ngày 06/05/2027"
    assert _span(thematic) == "14:00–16:30 ngày 10/05/2027"  # Friday 07/05, then Monday 10/05
    assert made.urgent is None  # 16:50: the first start 45 minutes on is 18:00, after the working day


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (_local(2026, 11, 25, 9, 10), _local(2026, 11, 25, 10, 0)),
        (_local(2026, 11, 25, 9, 15), _local(2026, 11, 25, 10, 0)),  # 10:00 is 45 minutes on exactly
        (_local(2026, 11, 25, 9, 16), _local(2026, 11, 25, 10, 30)),
        (_local(2026, 11, 25, 5, 0), _local(2026, 11, 25, 7, 30)),  # not before the working day
        (_local(2026, 11, 25, 15, 45), _local(2026, 11, 25, 16, 30)),  # ends at 17:30 exactly
        (_local(2026, 11, 25, 15, 46), None),
        (_local(2026, 11, 28, 9, 0), None),  # Saturday
        (_local(2026, 9, 2, 9, 0), None),  # Quốc khánh
        (datetime.fromisoformat("2026-11-25T02:10:00+00:00"), _local(2026, 11, 25, 10, 0)),  # 09:10 in Hà Nội
    ],
)
def test_urgent_meeting_later_today(session: Session, now: datetime, expected: datetime | None) -> None:
    seed_demo(session, hasher=FAST)
    assert urgent_start(load_calendar(session), now, HCM) == expected
