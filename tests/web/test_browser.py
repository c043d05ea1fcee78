"""A real Chromium logs in and schedules a meeting through the form, against the app under uvicorn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, Route, expect

from tests.web.conftest import PASSWORD, Directory, LiveServer

pytestmark = pytest.mark.browser


def test_log_in_and_schedule_a_meeting_through_the_form(live_server: LiveServer, people: Directory, page: Page) -> None:
    page.goto(f"{live_server.url}/meetings")
    expect(page).to_have_url(f"{live_server.url}/login?next=%2Fmeetings")
    # 127.0.0.1 is a secure context: no warning about the camera.
    expect(page.locator("#insecure-banner")).to_be_hidden()
    page.fill("#username", "thuky")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Đăng nhập')")
    expect(page).to_have_url(f"{live_server.url}/meetings")

    page.click("text=Lên lịch cuộc họp")
    expect(page.locator("h1")).to_have_text("Lên lịch cuộc họp")
    day = datetime.now(UTC).astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date() + timedelta(days=40)
    page.fill("#title", "Giao ban công tác phòng chống thiên tai")
    page.select_option("#kind", "briefing")
    page.fill("#start_at", f"{day}T14:00")
    page.fill("#end_at", f"{day}T16:30")
    page.select_option("#chair_id", str(people.chair.id))
    # The urgent reason appears only for urgent meetings.
    expect(page.locator("#urgent-reason-field")).to_be_hidden()
    page.check("#urgent")
    expect(page.locator("#urgent-reason-field")).to_be_visible()
    page.uncheck("#urgent")
    page.check(f"input[name=site_ids][value='{people.site_a.id}']")
    page.check(f"input[name=site_ids][value='{people.site_b.id}']")
    page.locator("input[name=agenda_title]").nth(0).fill("Đánh giá công tác chuẩn bị mùa mưa bão")
    page.locator("input[name=agenda_presenter]").nth(0).fill("Phòng Nông nghiệp")
    page.click("#agenda-add")
    expect(page.locator("tr.agenda-row")).to_have_count(2)
    page.locator("input[name=agenda_title]").nth(1).fill("Ý kiến các xã")
    page.locator("input[name=agenda_minutes]").nth(1).fill("30")
    page.click("button:has-text('Lưu dự thảo')")

    expect(page.locator("h1")).to_have_text("Giao ban công tác phòng chống thiên tai")
    expect(page.locator("ol.agenda li")).to_have_count(2)
    expect(page.get_by_text("Hội trường xã Ka Lăng")).to_be_visible()
    page.click("button:has-text('Phát hành giấy mời')")
    expect(page.locator(".badge.state-published")).to_have_text("Đã phát hành giấy mời")

    page.click("nav.mainnav >> text=Cuộc họp")
    item = page.locator(".meeting-item", has_text="Giao ban công tác phòng chống thiên tai")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("14:00–16:30")


def test_plain_http_from_another_host_warns_that_the_camera_will_not_work(live_server: LiveServer, page: Page) -> None:
    # The same server under a name that is not localhost, as a commune PC would reach it over the network:
    # the browser sees http://giaoban.test (not a secure context), the bytes come from the live server.
    def forward(route: Route) -> None:
        url = route.request.url.replace("http://giaoban.test", live_server.url)
        route.fulfill(response=route.fetch(url=url))

    page.context.route("http://giaoban.test/**", forward)
    page.goto("http://giaoban.test/login")
    assert page.evaluate("window.isSecureContext") is False
    banner = page.locator("#insecure-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("HTTPS")
    expect(banner).to_contain_text("Camera và micrô sẽ không hoạt động")
