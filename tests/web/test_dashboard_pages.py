"""The convening unit's dashboard: who may open it, and what it counts (written out by hand below)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from meetings.log.tables import Presence
from meetings.meeting import Meeting, MeetingKind, MeetingSite, MeetingState
from meetings.minutes.tables import ConclusionRecord
from meetings.outbox import OutboxStatus, enqueue
from meetings.records.dashboard import last_months
from meetings.records.filing import EDXML
from tests.web.conftest import Directory, log_in

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SVG = "{http://www.w3.org/2000/svg}"


def _months() -> list[tuple[int, int]]:
    return last_months(datetime.now(UTC).astimezone(TZ).date())


def _world(app: Starlette, people: Directory) -> None:
    """Two months ago: "Giao ban A", held, Bum Nưa present, Ka Lăng absent; its conclusion notice overdue;
    its filing delivered. Last month: "Giao ban B", held, both present, its filing still pending; and
    "Giao ban C", published, not held yet. A draft and a cancelled meeting last month count nowhere."""
    months = _months()

    def at(month: tuple[int, int], day: int) -> datetime:
        return datetime(month[0], month[1], day, 8, 0, tzinfo=TZ)

    with app.state.ctx.session() as session:

        def meeting(title: str, start: datetime, state: MeetingState, sites: list[int]) -> int:
            m = Meeting(
                title=title,
                kind=MeetingKind.BRIEFING,
                start_at=start,
                end_at=start + timedelta(hours=2),
                convening_unit_id=people.district.id or 0,
                chair_id=people.chair.id or 0,
                state=state,
                published_at=start - timedelta(days=7) if state != MeetingState.DRAFT else None,
            )
            session.add(m)
            session.flush()
            session.add_all(MeetingSite(meeting_id=m.id or 0, site_id=s) for s in sites)
            return m.id or 0

        def present(meeting_id: int, site_id: int, start: datetime) -> None:
            session.add(
                Presence(
                    meeting_id=meeting_id,
                    participant=f"site-{site_id}",
                    site_id=site_id,
                    label="",
                    joined_at=start,
                    left_at=start + timedelta(hours=1),
                    left_reason="ended",
                )
            )

        def filing(meeting_id: int, organ: str, status: OutboxStatus) -> None:
            enqueue(
                session,
                kind=EDXML,
                destination=organ,
                key=f"edxml:test-{meeting_id}:{organ}:0",
                payload={"document_id": f"000.00.12.H49,2026/01/01,0{meeting_id}/BB-UBND"},
                message_id=f"<{meeting_id}.{organ}@test>",
                purpose="minutes",
                recipient_name="UBND xã Bum Nưa",
                recipient_ref=f"organ:{organ}",
                meeting_id=meeting_id,
                status=status,
                # Not due for a month: the app's own outbox worker leaves it pending meanwhile.
                due_at=datetime.now(UTC) + timedelta(days=30),
            )

        sites = [people.district_site.id or 0, people.site_a.id or 0, people.site_b.id or 0]
        a = meeting("Giao ban A", at(months[-3], 10), MeetingState.ENDED, sites)
        present(a, sites[0], at(months[-3], 10))
        present(a, sites[1], at(months[-3], 10))
        b = meeting("Giao ban B", at(months[-2], 10), MeetingState.MINUTES_APPROVED, sites[1:])
        present(b, sites[1], at(months[-2], 10))
        present(b, sites[2], at(months[-2], 10) + timedelta(minutes=30))
        meeting("Giao ban C", at(months[-2], 20), MeetingState.PUBLISHED, sites[1:])
        meeting("Nháp", at(months[-2], 21), MeetingState.DRAFT, sites[1:])
        meeting("Đã huỷ", at(months[-2], 22), MeetingState.CANCELLED, sites[1:])
        session.add(ConclusionRecord(meeting_id=a, due_on=at(months[-3], 10).date() + timedelta(days=7)))
        filing(a, "000.01.12.H49", OutboxStatus.DELIVERED)
        filing(b, "000.01.12.H49", OutboxStatus.PENDING)
        session.commit()


@pytest.mark.parametrize(
    ("username", "query", "status"),
    [
        ("chutich", "", 200),
        ("thuky", "", 200),
        ("quantri", "", 200),
        ("quantri", "?unit={commune_a}", 200),
        ("chutich", "?unit={commune_a}", 403),
        ("thuky", "?unit={commune_b}", 403),
        ("canbo.a", "", 403),
        ("canbo.a", "?unit={district}", 403),
        ("canbo.b", "?unit={commune_b}", 403),
    ],
)
def test_who_sees_the_dashboard(
    client: TestClient, app: Starlette, people: Directory, username: str, query: str, status: int
) -> None:
    _world(app, people)
    log_in(client, username)
    ids = {"district": people.district.id, "commune_a": people.commune_a.id, "commune_b": people.commune_b.id}
    response = client.get("/dashboard" + query.format(**ids))
    assert response.status_code == status
    if status == 403:
        assert "Giao ban A" not in response.text and "Ka Lăng" not in response.text
    nav = client.get("/meetings").text
    assert ('href="/dashboard"' in nav) == (username in ("chutich", "thuky", "quantri"))


def test_anonymous_visitors_are_sent_to_log_in(client: TestClient, people: Directory) -> None:
    response = client.get("/dashboard", follow_redirects=False)
    assert response.status_code in (302, 303)


def _svg(html: str, section: str) -> ET.Element:
    start = html.index("<svg", html.index(f'id="{section}"'))
    return ET.fromstring(html[start : html.index("</svg>", start) + len("</svg>")])


def test_the_dashboard_counts_meetings_participation_overdue_notices_and_unfiled_packages(
    client: TestClient, app: Starlette, people: Directory
) -> None:
    _world(app, people)
    log_in(client, "thuky")
    html = client.get("/dashboard").text
    months = _months()
    label = {m: f"{m[1]:02d}/{m[0]}" for m in months}

    bars = _svg(html, "meetings-per-month")
    tips = [r.find(f"{SVG}title").text for r in bars.iter(f"{SVG}rect") if r.get("class") == "bar"]  # type: ignore[union-attr]
    expected = {label[months[-3]]: 1, label[months[-2]]: 2}  # the draft and the cancelled one do not count
    assert tips == [f"{label[m]}: {expected.get(label[m], 0)}" for m in months]

    grid = _svg(html, "participation")
    cells = {r.find(f"{SVG}title").text for r in grid.iter(f"{SVG}rect") if r.get("class") == "cell"}  # type: ignore[union-attr]
    assert cells == {
        f"UBND xã Bum Nưa, {label[months[-3]]}: 1/1",
        f"UBND xã Bum Nưa, {label[months[-2]]}: 1/1",
        f"UBND xã Ka Lăng, {label[months[-3]]}: 0/1",
        f"UBND xã Ka Lăng, {label[months[-2]]}: 1/1",
    }  # the district's own site is not a participant; the published meeting has not been held
    assert "UBND huyện Mường Tè," not in " ".join(cells)

    overdue = html[html.index('id="overdue-conclusions"') : html.index('id="participation"')]
    assert "Giao ban A" in overdue and "Giao ban B" not in overdue
    due = datetime(months[-3][0], months[-3][1], 10).date() + timedelta(days=7)
    assert f"hạn {due:%d/%m/%Y}" in overdue

    unfiled = html[html.index('id="unfiled"') : html.index("</main>")]
    assert "Giao ban B" in unfiled and "Giao ban A" not in unfiled and "Đang chờ gửi" in unfiled
    assert re.search(r"0\d+/BB-UBND", unfiled)


def test_last_months() -> None:
    assert last_months(date(2026, 2, 14), 3) == [(2025, 12), (2026, 1), (2026, 2)]
