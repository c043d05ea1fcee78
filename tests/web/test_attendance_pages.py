"""The attendance page and its CSV, through the test client: who may see them, and what they show."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from meetings.log.tables import Presence, RollCall
from meetings.meeting import Meeting, MeetingKind, MeetingSite, MeetingState
from tests.web.conftest import Directory, log_in


def _meeting(app: Starlette, people: Directory, headcount: int | None = 4) -> int:
    with app.state.ctx.session() as session:
        meeting = Meeting(
            title="Giao ban tháng 3",
            kind=MeetingKind.BRIEFING,
            start_at=datetime(2026, 3, 5, 1, 0, tzinfo=UTC),
            end_at=datetime(2026, 3, 5, 3, 0, tzinfo=UTC),
            convening_unit_id=people.district.id or 0,
            chair_id=people.chair.id or 0,
            secretary_id=people.secretary.id,
            state=MeetingState.ENDED,
            published_at=datetime(2026, 2, 27, 1, 0, tzinfo=UTC),
        )
        session.add(meeting)
        session.flush()
        mid = meeting.id or 0
        session.add_all(
            [
                MeetingSite(meeting_id=mid, site_id=people.district_site.id or 0),
                MeetingSite(meeting_id=mid, site_id=people.site_a.id or 0),
                Presence(
                    meeting_id=mid,
                    participant=f"site-{people.site_a.id}",
                    site_id=people.site_a.id,
                    label="Hội trường xã Bum Nưa",
                    joined_at=datetime(2026, 3, 5, 1, 0, tzinfo=UTC),
                    left_at=datetime(2026, 3, 5, 2, 30, tzinfo=UTC),
                    left_reason="left",
                ),
                RollCall(meeting_id=mid, site_id=people.site_a.id or 0, status="online", headcount=headcount),
            ]
        )
        session.commit()
        return mid


def test_a_headcount_nobody_reported_is_not_shown_as_zero_people(
    client: TestClient, app: Starlette, people: Directory
) -> None:
    meeting_id = _meeting(app, people, headcount=None)
    log_in(client, "thuky")
    page = client.get(f"/meetings/{meeting_id}/attendance").text
    assert "1/2 điểm cầu có mặt; số người chưa được báo." in page
    assert "0 người" not in page


@pytest.mark.parametrize(
    ("username", "status"),
    [("chutich", 200), ("thuky", 200), ("quantri", 200), ("canbo.a", 200), ("canbo.b", 403)],
)
def test_who_sees_the_attendance(
    client: TestClient, app: Starlette, people: Directory, username: str, status: int
) -> None:
    meeting_id = _meeting(app, people)
    log_in(client, username)
    assert client.get(f"/meetings/{meeting_id}/attendance").status_code == status
    assert client.get(f"/meetings/{meeting_id}/attendance.csv").status_code == status


def test_anonymous_visitors_are_sent_to_log_in(client: TestClient, app: Starlette, people: Directory) -> None:
    meeting_id = _meeting(app, people)
    response = client.get(f"/meetings/{meeting_id}/attendance.csv", follow_redirects=False)
    assert response.status_code in (302, 303, 401)


def test_page_and_csv_show_the_attendance(client: TestClient, app: Starlette, people: Directory) -> None:
    meeting_id = _meeting(app, people)
    log_in(client, "canbo.a")
    page = client.get(f"/meetings/{meeting_id}/attendance")
    assert "1/2 điểm cầu có mặt, 4 người." in page.text
    assert "08:00 – 09:30" in page.text
    start = page.text.index("<svg")
    svg = ET.fromstring(page.text[start : page.text.index("</svg>", start) + len("</svg>")])
    assert len(svg.findall(".//{http://www.w3.org/2000/svg}rect[@class='presence']")) == 1
    response = client.get(f"/meetings/{meeting_id}/attendance.csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert [r[2] for r in rows[1:]] == ["UBND huyện Mường Tè", "UBND xã Bum Nưa"]
    assert rows[2][3:5] == ["Trực tuyến", "4"] and rows[2][9] == "90"
