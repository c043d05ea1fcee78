"""Pages on a phone (390 px wide, as a commune official's): tables read as cards, every box says what it is
for, nothing runs off the right edge."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from meetings.log.tables import Presence, RollCall
from meetings.meeting import Meeting, MeetingKind, MeetingSite, MeetingState
from tests.web.conftest import PASSWORD, Directory, LiveServer

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _held_meeting(live_server: LiveServer, people: Directory) -> int:
    with live_server.app.state.ctx.session() as session:
        meeting = Meeting(
            title="Giao ban tháng 11: kinh tế - xã hội, quốc phòng - an ninh",
            kind=MeetingKind.BRIEFING,
            start_at=datetime(2026, 11, 19, 1, 0, tzinfo=UTC),
            end_at=datetime(2026, 11, 19, 3, 0, tzinfo=UTC),
            convening_unit_id=people.district.id or 0,
            chair_id=people.chair.id or 0,
            secretary_id=people.secretary.id,
            state=MeetingState.ENDED,
            published_at=datetime(2026, 11, 12, 1, 0, tzinfo=UTC),
        )
        session.add(meeting)
        session.flush()
        mid = meeting.id or 0
        site = people.site_a.id or 0
        session.add_all(
            [
                MeetingSite(meeting_id=mid, site_id=site),
                MeetingSite(meeting_id=mid, site_id=people.site_b.id or 0),
                Presence(
                    meeting_id=mid,
                    participant=f"site-{site}",
                    site_id=site,
                    label="Hội trường xã Bum Nưa",
                    joined_at=datetime(2026, 11, 19, 1, 0, tzinfo=UTC),
                    left_at=datetime(2026, 11, 19, 3, 0, tzinfo=UTC),
                    left_reason="ended",
                ),
                RollCall(meeting_id=mid, site_id=site, status="online", headcount=4),
            ]
        )
        session.commit()
        return mid


def _log_in(page: Page, live_server: LiveServer, username: str) -> None:
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form.form button[type=submit]")
    expect(page).to_have_url(f"{live_server.url}/meetings")


def _overflow(page: Page, selector: str) -> int:
    """How far the element's content runs past its box, in pixels (0: it fits)."""
    return int(page.eval_on_selector(selector, "e => e.scrollWidth - e.clientWidth"))


def _label(page: Page, selector: str) -> str:
    """The text a cell shows above its value (its ::before), as CSS gives it."""
    return str(page.eval_on_selector(selector, "e => getComputedStyle(e, '::before').content"))


def test_the_attendance_table_reads_as_cards_on_a_phone(live_server: LiveServer, people: Directory, page: Page) -> None:
    meeting_id = _held_meeting(live_server, people)
    _log_in(page, live_server, "thuky")
    page.goto(f"{live_server.url}/meetings/{meeting_id}/attendance")
    assert _overflow(page, "html") == 0
    assert _overflow(page, ".table-wrap") == 0
    # The column headings are hidden; each value carries its own.
    expect(page.locator("#attendance-table thead")).to_be_hidden()
    first = "#attendance-table tbody tr:first-child"
    assert _label(page, f"{first} td[data-label]:nth-child(3)") == '"Số người"'
    cell = page.locator(f"{first} td:nth-child(3)")
    expect(cell).to_have_text("4")
    # A cell with nothing in it (no reason for absence) is left out rather than shown as a bare heading.
    expect(page.locator(f"{first} td:nth-child(4)")).to_be_hidden()


def test_the_meeting_forms_agenda_says_what_each_box_is_for_on_a_phone(
    live_server: LiveServer, people: Directory, page: Page
) -> None:
    _log_in(page, live_server, "thuky")
    page.goto(f"{live_server.url}/meetings/new")
    assert _overflow(page, "html") == 0
    row = "tr.agenda-row:first-child"
    assert _label(page, f"{row} td.col-title") == '"Nội dung"'
    assert _label(page, f"{row} td.col-presenter") == '"Người trình bày"'
    assert _label(page, f"{row} td.col-minutes") == '"Số phút"'
    # A wide screen shows the column headings instead.
    page.set_viewport_size({"width": 1366, "height": 900})
    assert _label(page, f"{row} td.col-presenter") == "none"
    expect(page.locator(".agenda-table thead")).to_be_visible()


def test_the_audit_log_fits_a_phone(live_server: LiveServer, people: Directory, page: Page) -> None:
    _log_in(page, live_server, "quantri")
    page.goto(f"{live_server.url}/holidays")
    page.fill("#day", "2026-04-30")
    page.fill("#name", "Ngày Chiến thắng (30/4)")
    page.click("form.card button[type=submit]")
    page.goto(f"{live_server.url}/audit")
    assert _overflow(page, "html") == 0
    assert _overflow(page, ".table-wrap") == 0
    row = page.locator("table.audit tbody tr").first
    expect(row).to_contain_text("Nguyễn Quản Trị")
    expect(row).to_contain_text("30/04/2026")


def test_keyboard_users_can_skip_the_top_bar_and_open_the_phone_menu(
    live_server: LiveServer, people: Directory, page: Page
) -> None:
    _log_in(page, live_server, "thuky")

    def focused() -> str:
        return str(page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()"))

    # The first Tab offers to skip the top bar; taking it puts the focus on the page's content.
    page.keyboard.press("Tab")
    assert focused() == "Bỏ qua, đến nội dung chính"
    expect(page.locator(".skip-link")).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert focused() == "content"
    # On a phone the menu hides behind its button, which Tab reaches and Space opens.
    page.goto(f"{live_server.url}/meetings")
    expect(page.locator("#mainnav")).to_be_hidden()
    for _ in range(3):
        page.keyboard.press("Tab")
    assert focused() == "nav-toggle"
    page.keyboard.press("Space")
    expect(page.locator("#mainnav")).to_be_visible()
    page.keyboard.press("Tab")
    assert focused() == "Cuộc họp"


def test_an_error_page_offers_the_way_back(live_server: LiveServer, people: Directory, page: Page) -> None:
    _log_in(page, live_server, "thuky")
    # Followed from one of our pages (as a link is).
    page.evaluate("window.location.href = '/meetings/999999'")
    expect(page.locator(".error-code")).to_have_text("404")
    back = page.locator("[data-back]")
    expect(back).to_be_visible()
    back.click()
    expect(page).to_have_url(f"{live_server.url}/meetings")
    # Opened on its own (a link from a mail), there is nowhere to go back to: only the main page is offered.
    fresh = page.context.new_page()
    fresh.goto(f"{live_server.url}/meetings/999999")
    expect(fresh.locator("[data-back]")).to_be_hidden()
    expect(fresh.get_by_role("link", name="Về trang chính")).to_be_visible()
