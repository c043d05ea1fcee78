"""A periodic briefing's documents must go out 3 working days before it (Decision 45/2018/QĐ-TTg): the
deadline on hand-counted calendars across a weekend and a holiday, and which sending is late."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from meetings.document_mail import document_deadline, sent_late
from meetings.meeting import Meeting, MeetingKind
from meetings.workdays import WorkCalendar

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
NEW_YEAR = WorkCalendar(holidays=frozenset({date(2027, 1, 1)}))  # Friday 01/01/2027


def meeting(kind: MeetingKind = MeetingKind.BRIEFING, urgent: bool = False) -> Meeting:
    start = datetime(2027, 1, 6, 8, 0, tzinfo=HANOI)  # Wednesday
    return Meeting(
        title="Giao ban tháng 01/2027",
        kind=kind,
        urgent=urgent,
        start_at=start,
        end_at=start.replace(hour=11),
        convening_unit_id=1,
        chair_id=1,
    )


def test_the_deadline_counts_back_over_the_weekend_and_the_new_year_holiday() -> None:
    # Before Wednesday 06/01: Tuesday 05 (1), Monday 04 (2), the weekend 02–03 and the holiday on Friday 01 do
    # not count, Thursday 31/12 (3). The documents must be out the day before: Wednesday 30/12/2026.
    assert document_deadline(NEW_YEAR, meeting(), HANOI) == date(2026, 12, 30)
    # Without the holiday, Friday 01/01 is the third working day: Thursday 31/12.
    assert document_deadline(WorkCalendar(), meeting(), HANOI) == date(2026, 12, 31)
    # A make-up Saturday 02/01 is the third working day: the deadline is the day before, the holiday itself.
    makeup = WorkCalendar(holidays=NEW_YEAR.holidays, makeup_days=frozenset({date(2027, 1, 2)}))
    assert document_deadline(makeup, meeting(), HANOI) == date(2027, 1, 1)


def test_only_a_periodic_briefing_that_is_not_urgent_has_the_deadline() -> None:
    assert document_deadline(NEW_YEAR, meeting(MeetingKind.PROFESSIONAL), HANOI) is None
    assert document_deadline(NEW_YEAR, meeting(urgent=True), HANOI) is None


def test_a_sending_is_late_from_the_day_after_the_deadline_in_local_time() -> None:
    deadline = date(2026, 12, 30)
    assert not sent_late(deadline, datetime(2026, 12, 30, 16, 59, tzinfo=HANOI), HANOI)
    # 17:30 UTC on the 30th is 00:30 on the 31st in Hà Nội: already late.
    assert sent_late(deadline, datetime(2026, 12, 30, 17, 30, tzinfo=UTC), HANOI)
    assert sent_late(deadline, datetime(2026, 12, 31, 8, 0, tzinfo=HANOI), HANOI)
    assert not sent_late(deadline, None, HANOI)  # not sent at all is not "sent late"
    assert not sent_late(None, datetime(2027, 1, 5, 8, 0, tzinfo=HANOI), HANOI)
