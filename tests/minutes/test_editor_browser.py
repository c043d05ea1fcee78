"""The editor in a real Chromium: it saves as the secretary types, and text typed while the server could
not be reached survives the page being closed (sent as the page closes, else kept in localStorage, restored
and saved on the next visit)."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, Route, expect
from sqlmodel import select

from meetings.minutes.content import MinutesContent
from meetings.minutes.tables import MinutesRecord
from tests.minutes.world import ended_meeting
from tests.web.conftest import PASSWORD, Directory, LiveServer

pytestmark = pytest.mark.browser


def _saved(live_server: LiveServer, meeting_id: int) -> MinutesContent:
    with live_server.app.state.ctx.session() as session:
        minutes = session.exec(select(MinutesRecord).where(MinutesRecord.meeting_id == meeting_id)).one()
        return MinutesContent.from_json(minutes.content_json)


def test_typed_text_is_saved_and_survives_closing_the_page_while_offline(
    live_server: LiveServer, people: Directory, page: Page
) -> None:
    ended = ended_meeting(live_server.app, people)
    mid = ended.meeting_id
    url = f"{live_server.url}/meetings/{mid}/minutes"
    page.goto(url)
    page.fill("#username", "thuky")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Đăng nhập')")
    expect(page).to_have_url(url)

    page.locator("#conclusions").press_sequentially("Sơ tán dân trước 17 giờ.")
    expect(page.locator("#minutes-status")).to_contain_text("Đã lưu", timeout=20_000)
    assert _saved(live_server, mid).conclusions == "Sơ tán dân trước 17 giờ."

    # The server cannot be reached: saves fail, the text is kept on this computer; then the page closes.
    context = page.context

    def unreachable(route: Route) -> None:
        route.abort("internetdisconnected")

    context.route("**/minutes/save", unreachable)
    area = page.locator(f"textarea[data-item='{ended.items[0]}']")
    area.press_sequentially("Văn phòng báo cáo.")
    expect(page.locator("#minutes-status")).to_contain_text("Chưa lưu được", timeout=20_000)
    page.close()

    # Back on line, the editor is opened again: the text comes back and is saved.
    context.unroute("**/minutes/save", unreachable)
    again = context.new_page()
    again.goto(url)
    # (Whichever got there first: the page's last save as it closed, or the copy restored now.)
    expect(again.locator(f"textarea[data-item='{ended.items[0]}']")).to_have_value("Văn phòng báo cáo.")
    deadline = time.monotonic() + 20
    while _saved(live_server, mid).items == {} and time.monotonic() < deadline:
        time.sleep(0.1)
    saved = _saved(live_server, mid)
    assert saved.items == {ended.items[0]: "Văn phòng báo cáo."}
    assert saved.conclusions == "Sơ tán dân trước 17 giờ."

    # A copy left in localStorage by a page that closed before anything reached the server (as when the
    # browser itself is closed while off line) is restored on the next visit and saved.
    with live_server.app.state.ctx.session() as session:
        version = session.exec(select(MinutesRecord).where(MinutesRecord.meeting_id == mid)).one().version
    copy = {"items": {str(ended.items[0]): "Văn phòng báo cáo.", str(ended.items[1]): "Đã thống nhất."},
            "conclusions": "Sơ tán dân trước 17 giờ.", "attendance_note": "", "other": ""}  # fmt: skip
    again.evaluate(
        "([key, value]) => localStorage.setItem(key, JSON.stringify(value))",
        [f"giaoban.minutes.{mid}", {"base_version": version, "content": copy, "at": 0}],
    )
    again.goto(url)
    expect(again.locator(f"textarea[data-item='{ended.items[1]}']")).to_have_value("Đã thống nhất.")
    expect(again.locator("#minutes-status")).to_contain_text("Đã lưu", timeout=20_000)
    assert _saved(live_server, mid).items[ended.items[1]] == "Đã thống nhất."
    assert again.evaluate(f"localStorage.getItem('giaoban.minutes.{mid}')") is None

    # A copy written on an older version than the server's is offered, not dropped and not forced.
    copy["conclusions"] = "Bản soạn trên máy, cũ hơn."
    again.evaluate(
        "([key, value]) => localStorage.setItem(key, JSON.stringify(value))",
        [f"giaoban.minutes.{mid}", {"base_version": 1, "content": copy, "at": 0}],
    )
    again.goto(url)
    expect(again.locator("#conclusions")).to_have_value("Sơ tán dân trước 17 giờ.")
    again.click("#minutes-use-copy")
    expect(again.locator("#conclusions")).to_have_value("Bản soạn trên máy, cũ hơn.")
    expect(again.locator("#minutes-status")).to_contain_text("Đã lưu", timeout=20_000)
    assert _saved(live_server, mid).conclusions == "Bản soạn trên máy, cũ hơn."
