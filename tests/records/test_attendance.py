"""Attendance from the meeting log, with the totals worked out by hand (tests/records/attendance_samples.py)."""

from __future__ import annotations

from sqlmodel import Session

from meetings.log.tables import Presence
from meetings.meeting import MeetingSite
from meetings.people import Person
from meetings.records.attendance import (
    AttendanceStatus,
    Connection,
    Interval,
    merge_intervals,
    minutes_rows,
    site_attendance,
    summary,
)
from meetings.units import Site
from tests.records.attendance_samples import NOW, briefing, utc


def test_merge_overlapping_touching_and_open_connections() -> None:
    connections = [
        Connection(utc(2, 0), utc(2, 30)),
        Connection(utc(1, 0), utc(1, 20)),
        Connection(utc(1, 10), utc(1, 15)),  # inside the first
        Connection(utc(1, 20), utc(1, 40)),  # touches it
        Connection(utc(3, 0), None),  # still connected
        Connection(utc(3, 50), utc(3, 40)),  # a clock gone backwards: dropped
    ]
    assert merge_intervals(connections, until=utc(3, 30)) == [
        Interval(utc(1, 0), utc(1, 40)),
        Interval(utc(2, 0), utc(2, 30)),
        Interval(utc(3, 0), utc(3, 30)),
    ]


def test_site_attendance_from_the_log(session: Session) -> None:
    b = briefing(session)
    tien, son, phong = site_attendance(session, b.meeting_id, now=NOW)

    assert tien.site_name == "Điểm cầu xã Hòa Tiến" and tien.unit_name == "Ủy ban nhân dân xã Hòa Tiến"
    assert len(tien.connections) == 3
    assert tien.intervals == [Interval(utc(1, 0), utc(2, 0)), Interval(utc(2, 10), utc(4, 0))]
    assert tien.present_seconds == 170 * 60
    assert tien.present_minutes == 170
    assert (tien.status, tien.headcount, tien.reason, tien.deputy) == (AttendanceStatus.ONLINE, 6, "", "")
    assert tien.first_joined_at == utc(1, 0) and tien.last_left_at == utc(4, 0)

    assert son.status is AttendanceStatus.ABSENT
    assert son.connections == [] and son.present_seconds == 0 and son.roll_call is None
    assert son.reason == "Dự hội nghị tại tỉnh"

    assert phong.status is AttendanceStatus.IN_PERSON and phong.roll_call_corrected
    assert phong.headcount == 3
    assert phong.present_seconds == 30 * 60  # 08:05 to now, 08:35
    assert phong.deputy == "Lê Thị Cúc, Phó Chủ tịch UBND xã"

    assert summary([tien, son, phong]) == "2/3 điểm cầu có mặt, 9 người."
    rows = minutes_rows([tien, son, phong])
    assert [(r.site, r.presence, r.headcount, r.note) for r in rows] == [
        ("Ủy ban nhân dân xã Hòa Tiến", "Trực tuyến", 6, ""),
        ("Ủy ban nhân dân xã Hòa Sơn", "Vắng", None, "Lý do: Dự hội nghị tại tỉnh"),
        ("Ủy ban nhân dân xã Hòa Phong", "Trực tiếp", 3, "Dự thay: Lê Thị Cúc, Phó Chủ tịch UBND xã"),
    ]


def test_the_chair_sitting_as_themselves_counts_for_the_convening_units_own_site(session: Session) -> None:
    b = briefing(session)
    hall = Site(unit_id=b.district_id, name="Phòng họp trực tuyến huyện")
    session.add(hall)
    session.flush()
    session.add(MeetingSite(meeting_id=b.meeting_id, site_id=hall.id or 0))
    # Someone of another unit, invited by name, sitting as themselves: counted for no site.
    guest = Person(username="khach.attendance", full_name="Trần Khách", unit_id=b.son.unit_id, roles="")
    session.add(guest)
    session.flush()
    session.add(
        Presence(meeting_id=b.meeting_id, participant=f"person-{guest.id}", person_id=guest.id, label="Trần Khách",
                 joined_at=utc(1, 0), left_at=utc(1, 20), left_reason="left")
    )  # fmt: skip
    session.commit()

    _tien, son, _phong, district = site_attendance(session, b.meeting_id, now=NOW)
    # The chair joined at 07:55 Hà Nội time and is still there at 08:35: 40 minutes, on line.
    assert district.site_name == "Phòng họp trực tuyến huyện"
    assert (district.status, district.present_seconds) == (AttendanceStatus.ONLINE, 40 * 60)
    assert [c.label for c in district.connections] == ["Nguyễn Văn An"]
    assert son.status is AttendanceStatus.ABSENT and son.connections == []
