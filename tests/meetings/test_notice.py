"""The 3-working-day notice: publishing on day P for a meeting on day M needs ≥ 3 working days
strictly between P and M, unless the meeting is urgent and says why."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from meetings.errors import RuleViolation, ValidationError
from meetings.rules import check_notice, earliest_meeting_day, latest_publish_day, notice_working_days
from meetings.workdays import WorkCalendar

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
PLAIN = WorkCalendar()
TET = WorkCalendar(
    holidays=frozenset(date(2026, 2, d) for d in (16, 17, 18, 19, 20)),
    makeup_days=frozenset({date(2026, 2, 7)}),
)


def local(y: int, m: int, d: int, hh: int = 8, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=HANOI)


# (calendar, publish day, meeting day, allowed?) — March 2026 starts on a Sunday.
CASES = [
    (PLAIN, date(2026, 3, 2), date(2026, 3, 6), True),  # Mon → Fri: Tue, Wed, Thu
    (PLAIN, date(2026, 3, 2), date(2026, 3, 5), False),  # Mon → Thu: only Tue, Wed
    (PLAIN, date(2026, 3, 3), date(2026, 3, 7), True),  # Tue → Saturday meeting: Wed, Thu, Fri
    (PLAIN, date(2026, 3, 4), date(2026, 3, 9), False),  # Wed → Mon: Thu, Fri; the weekend does not count
    (PLAIN, date(2026, 3, 6), date(2026, 3, 12), True),  # Fri → Thu: Mon, Tue, Wed
    (PLAIN, date(2026, 3, 6), date(2026, 3, 11), False),  # Fri → Wed: Mon, Tue
    (PLAIN, date(2026, 3, 7), date(2026, 3, 12), True),  # published on a Saturday → Thu
    (PLAIN, date(2026, 3, 8), date(2026, 3, 11), False),  # published on a Sunday → Wed: Mon, Tue
    (TET, date(2026, 2, 12), date(2026, 2, 25), True),  # Thu → Wed after Tết: Fri 13, Mon 23, Tue 24
    (TET, date(2026, 2, 12), date(2026, 2, 24), False),  # Thu → Tue after Tết: Fri 13, Mon 23
    (TET, date(2026, 2, 11), date(2026, 2, 23), False),  # the holiday week gives no notice at all
    (TET, date(2026, 2, 4), date(2026, 2, 9), True),  # Wed → Mon thanks to the make-up Saturday
    (PLAIN, date(2026, 2, 4), date(2026, 2, 9), False),  # the same days without it
]


@pytest.mark.parametrize(("calendar", "publish", "meeting", "allowed"), CASES)
def test_notice_on_hand_written_calendars(calendar: WorkCalendar, publish: date, meeting: date, allowed: bool) -> None:
    now = local(publish.year, publish.month, publish.day, 16, 45)
    start = local(meeting.year, meeting.month, meeting.day, 8, 0)
    if allowed:
        check_notice(calendar, now=now, start_at=start, urgent=False, urgent_reason="", tz=HANOI)
    else:
        with pytest.raises(RuleViolation) as refused:
            check_notice(calendar, now=now, start_at=start, urgent=False, urgent_reason="", tz=HANOI)
        assert refused.value.field == "start_at"
        assert "ít nhất 3 ngày làm việc" in refused.value.message


def test_message_says_how_many_days_and_the_earliest_allowed_day() -> None:
    with pytest.raises(RuleViolation) as refused:
        check_notice(
            TET, now=local(2026, 2, 12, 9), start_at=local(2026, 2, 24, 8), urgent=False, urgent_reason="", tz=HANOI
        )
    assert refused.value.message == (
        "Giấy mời phải đến người được mời ít nhất 3 ngày làm việc trước ngày họp. "
        "Phát hành ngày 12/02/2026 thì đến ngày họp 24/02/2026 chỉ còn 2 ngày làm việc. "
        "Hãy dời cuộc họp sang ngày 25/02/2026 hoặc muộn hơn, hoặc đánh dấu họp đột xuất và ghi rõ lý do."
    )


@pytest.mark.parametrize(
    ("calendar", "publish", "earliest"),
    [
        (PLAIN, date(2026, 3, 2), date(2026, 3, 6)),
        (PLAIN, date(2026, 3, 4), date(2026, 3, 10)),
        (PLAIN, date(2026, 3, 3), date(2026, 3, 7)),  # a Saturday meeting is fine after Wed, Thu, Fri
        (TET, date(2026, 2, 11), date(2026, 2, 24)),
        (TET, date(2026, 2, 4), date(2026, 2, 8)),  # Thu 5, Fri 6, Sat 7 (make-up) → Sunday 8
    ],
)
def test_earliest_meeting_day(calendar: WorkCalendar, publish: date, earliest: date) -> None:
    assert earliest_meeting_day(calendar, publish) == earliest


@pytest.mark.parametrize(
    ("calendar", "meeting", "latest"),
    [
        (PLAIN, date(2026, 3, 6), date(2026, 3, 2)),
        (PLAIN, date(2026, 3, 9), date(2026, 3, 3)),
        (PLAIN, date(2026, 3, 11), date(2026, 3, 5)),
        (TET, date(2026, 2, 25), date(2026, 2, 12)),
        (TET, date(2026, 2, 23), date(2026, 2, 10)),
    ],
)
def test_latest_publish_day(calendar: WorkCalendar, meeting: date, latest: date) -> None:
    assert latest_publish_day(calendar, meeting) == latest


def test_the_three_helpers_agree_over_two_months() -> None:
    days = [date(2026, 2, 1) + timedelta(days=i) for i in range(60)]
    for p in days:
        for m in days:
            ok = notice_working_days(TET, p, m) >= 3
            assert ok == (m >= earliest_meeting_day(TET, p)), (p, m)
            assert ok == (p <= latest_publish_day(TET, m)), (p, m)


def test_days_are_counted_in_the_local_time_zone() -> None:
    start = local(2026, 3, 6, 8)  # Friday 08:00 in Hà Nội
    # 16:30 UTC on Monday is 23:30 Monday in Hà Nội: Tue, Wed, Thu remain.
    check_notice(
        PLAIN, now=datetime(2026, 3, 2, 16, 30, tzinfo=UTC), start_at=start, urgent=False, urgent_reason="", tz=HANOI
    )
    # 17:30 UTC on Monday is already 00:30 Tuesday in Hà Nội: only Wed, Thu remain.
    with pytest.raises(RuleViolation):
        check_notice(
            PLAIN,
            now=datetime(2026, 3, 2, 17, 30, tzinfo=UTC),
            start_at=start,
            urgent=False,
            urgent_reason="",
            tz=HANOI,
        )


def test_urgent_meeting_needs_no_notice_but_a_reason() -> None:
    now = local(2026, 3, 2, 9)
    tomorrow = local(2026, 3, 3, 14)
    check_notice(PLAIN, now=now, start_at=tomorrow, urgent=True, urgent_reason="Ứng phó bão số 3", tz=HANOI)
    with pytest.raises(ValidationError) as missing:
        check_notice(PLAIN, now=now, start_at=tomorrow, urgent=True, urgent_reason="   ", tz=HANOI)
    assert missing.value.field == "urgent_reason"
    assert missing.value.message == "Họp đột xuất phải ghi rõ lý do."


@pytest.mark.parametrize("urgent", [False, True])
def test_a_meeting_that_has_started_cannot_be_announced(urgent: bool) -> None:
    now = local(2026, 3, 2, 9)
    with pytest.raises(RuleViolation, match="Thời gian bắt đầu đã qua") as late:
        check_notice(PLAIN, now=now, start_at=local(2026, 3, 2, 8, 30), urgent=urgent, urgent_reason="Bão", tz=HANOI)
    assert late.value.field == "start_at"
