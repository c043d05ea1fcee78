"""The conclusion notice: its deadline (5 working days after the meeting, counted by hand across a weekend,
holidays and a make-up Saturday), drafted from the minutes, issued like the minutes, and flagged when
overdue (on the minutes page and for the dashboard)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from meetings.minutes.conclusion import conclusion_due, overdue_conclusions
from meetings.minutes.tables import ConclusionRecord
from meetings.outbox import OutboxItem
from meetings.records.filing import EDXML
from meetings.workdays import WorkCalendar
from tests.minutes.world import HANOI, ended_meeting
from tests.web.conftest import Directory, log_in, token_for


def test_the_deadline_skips_the_weekend() -> None:
    # Friday 06/03/2026: Mon 9 (1), Tue 10 (2), Wed 11 (3), Thu 12 (4), Fri 13 (5).
    assert conclusion_due(WorkCalendar(), date(2026, 3, 6)) == date(2026, 3, 13)
    # A meeting on a Saturday counts from the Monday after: Mon 9 … Fri 13.
    assert conclusion_due(WorkCalendar(), date(2026, 3, 7)) == date(2026, 3, 13)


def test_the_deadline_skips_holidays_and_counts_a_make_up_saturday() -> None:
    # Wednesday 29/04/2026; Thu 30/04 and Fri 01/05 are holidays, then the weekend:
    # Mon 4 (1), Tue 5 (2), Wed 6 (3), Thu 7 (4), Fri 8 (5).
    holidays = WorkCalendar(holidays=frozenset({date(2026, 4, 30), date(2026, 5, 1)}))
    assert conclusion_due(holidays, date(2026, 4, 29)) == date(2026, 5, 8)
    # The same with Saturday 09/05 declared a make-up day does not move it (the 5th day comes first);
    # with Saturday 02/05 a make-up day: Sat 2 (1), Mon 4 (2), Tue 5 (3), Wed 6 (4), Thu 7 (5).
    makeup = WorkCalendar(holidays=holidays.holidays, makeup_days=frozenset({date(2026, 5, 2)}))
    assert conclusion_due(makeup, date(2026, 4, 29)) == date(2026, 5, 7)


def test_the_notice_is_drafted_from_the_minutes_issued_and_filed(
    app: Starlette, client: TestClient, people: Directory
) -> None:
    ended = ended_meeting(app, people)
    mid = ended.meeting_id
    log_in(client, "thuky")
    token = token_for(client)
    body = {"conclusions": "Sơ tán dân vùng trũng trước 17 giờ.\nCác xã báo cáo kết quả trước 20 giờ."}
    saved = client.post(
        f"/meetings/{mid}/minutes/save", json={"base_version": 0, "content": body}, headers={"X-CSRF-Token": token}
    )
    assert saved.status_code == 200
    started = client.post(f"/meetings/{mid}/conclusion/start", data={"csrf_token": token}, follow_redirects=True)
    assert started.status_code == 200
    assert "Sơ tán dân vùng trũng trước 17 giờ." in started.text
    # Counted from the day the meeting ended (two hours after its start: past midnight in Hà Nội when the test
    # runs late in the day); conclusion_due itself is checked by hand in the tests above.
    due = conclusion_due(WorkCalendar(), (ended.start + timedelta(hours=2)).astimezone(HANOI).date())
    assert f"{due:%d/%m/%Y}" in started.text
    # The chair's office edits it.
    edited = client.post(
        f"/meetings/{mid}/conclusion/save",
        data={
            "csrf_token": token,
            "version": "1",
            "introduction": "Chiều nay, đồng chí Lò Văn Chủ chủ trì cuộc họp khẩn. Đồng chí kết luận:",
            "conclusions": "Sơ tán dân vùng trũng trước 17 giờ.\nCác xã báo cáo kết quả trước 20 giờ.",
            "closing": "",
        },
        follow_redirects=True,
    )
    assert edited.status_code == 200 and "Chiều nay" in edited.text
    # Only the chair issues it.
    refused = client.post(f"/meetings/{mid}/conclusion/issue", data={"csrf_token": token})
    assert refused.status_code == 403
    client.post("/logout", data={"csrf_token": token})

    log_in(client, "chutich")
    token = token_for(client)
    issued = client.post(f"/meetings/{mid}/conclusion/issue", data={"csrf_token": token}, follow_redirects=True)
    assert issued.status_code == 200, issued.text
    assert "01/TB-UBND" in issued.text
    with app.state.ctx.session() as session:
        items = session.exec(select(OutboxItem).where(OutboxItem.meeting_id == mid)).all()
        notice = session.exec(select(ConclusionRecord).where(ConclusionRecord.meeting_id == mid)).one()
    assert notice.document_id is not None
    assert len([i for i in items if i.kind == EDXML]) == 3
    assert len([i for i in items if i.purpose == "record"]) == 3
    again = client.post(f"/meetings/{mid}/conclusion/issue", data={"csrf_token": token})
    assert again.status_code == 409
    with app.state.ctx.session() as session:
        assert overdue_conclusions(session, people.district.id or 0, datetime.now(UTC) + timedelta(days=30)) == []


def test_an_unissued_notice_past_its_deadline_is_overdue(app: Starlette, client: TestClient, people: Directory) -> None:
    ended = ended_meeting(app, people)
    mid = ended.meeting_id
    log_in(client, "thuky")
    token = token_for(client)
    client.post(f"/meetings/{mid}/conclusion/start", data={"csrf_token": token})
    with app.state.ctx.session() as session:
        notice = session.exec(select(ConclusionRecord).where(ConclusionRecord.meeting_id == mid)).one()
        due = notice.due_on
        on_the_day = datetime(due.year, due.month, due.day, 16, tzinfo=HANOI)
        assert overdue_conclusions(session, people.district.id or 0, on_the_day) == []
        # The next working day after the deadline: late by one.
        later = WorkCalendar().add_working_days(due, 1)
        late = overdue_conclusions(
            session, people.district.id or 0, datetime(later.year, later.month, later.day, 9, tzinfo=HANOI)
        )
        assert [(s.meeting_id, s.due_on, s.working_days_late) for s in late] == [(mid, due, 1)]
        assert (
            overdue_conclusions(
                session, people.commune_a.id or 0, datetime(later.year, later.month, later.day, 9, tzinfo=HANOI)
            )
            == []
        )
        # Flagged on the pages: pretend the meeting was long ago by moving the deadline back.
        notice.due_on = due - timedelta(days=30)
        session.add(notice)
        session.commit()
    assert 'id="conclusion-overdue"' in client.get(f"/meetings/{mid}/minutes").text
    assert 'id="conclusion-overdue"' in client.get(f"/meetings/{mid}/conclusion").text
    meeting_page = client.get(f"/meetings/{mid}").text
    assert 'id="minutes-card"' in meeting_page and 'id="conclusion-overdue"' in meeting_page
