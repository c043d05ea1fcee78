"""The forms' helpers in a real browser. Date boxes are drawn by the browser in its own language's format;
under each, the page writes the chosen day the Vietnamese way (dd/mm/yyyy, 24-hour clock). The meeting form's
error summary links to the fields to fix."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import PASSWORD, Directory, LiveServer

pytestmark = pytest.mark.browser


def _log_in(page: Page, live_server: LiveServer, username: str) -> None:
    page.goto(f"{live_server.url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form.form button[type=submit]")
    expect(page).to_have_url(f"{live_server.url}/meetings")


def test_the_meeting_form_writes_the_chosen_times_as_dd_mm_yyyy(
    live_server: LiveServer, people: Directory, page: Page
) -> None:
    _log_in(page, live_server, "thuky")
    page.goto(f"{live_server.url}/meetings/new")
    page.fill("#start_at", "2026-12-01T14:00")
    page.fill("#end_at", "2026-12-01T16:30")
    expect(page.locator("#start_at-echo")).to_have_text("Thứ Ba, 01/12/2026, 14:00")
    expect(page.locator("#end_at-echo")).to_have_text("Thứ Ba, 01/12/2026, 16:30")
    page.fill("#end_at", "")
    expect(page.locator("#end_at-echo")).to_be_hidden()
    # The English page names the day in English, still day first.
    page.click(".langswitch button[value=en]")
    page.fill("#start_at", "2027-01-04T08:00")
    expect(page.locator("#start_at-echo")).to_have_text("Monday, 04/01/2027, 08:00")


def test_the_holiday_form_writes_the_chosen_day_as_dd_mm_yyyy(
    live_server: LiveServer, people: Directory, page: Page
) -> None:
    _log_in(page, live_server, "quantri")
    page.goto(f"{live_server.url}/holidays")
    expect(page.locator("#day-echo")).to_be_hidden()
    page.fill("#day", "2026-09-02")
    expect(page.locator("#day-echo")).to_have_text("Thứ Tư, 02/09/2026")


def test_the_error_summary_leads_to_the_field_to_fix(live_server: LiveServer, people: Directory, page: Page) -> None:
    _log_in(page, live_server, "thuky")
    page.goto(f"{live_server.url}/meetings/new")
    page.fill("#start_at", "2026-12-01T10:00")
    page.fill("#end_at", "2026-12-01T09:00")
    page.click("form.meeting-form button[type=submit]")
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Thời gian kết thúc phải sau thời gian bắt đầu.")
    summary.get_by_role("link", name="Kết thúc").click()
    assert page.evaluate("document.activeElement.id") == "end_at"
    summary.get_by_role("link", name="Chủ trì").click()
    assert page.evaluate("document.activeElement.id") == "chair_id"
