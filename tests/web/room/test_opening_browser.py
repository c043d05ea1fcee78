"""Opening a meeting from the page, in real Chromium: the chair goes straight into the room while the sites
wait in the lobby, so the room tells the chair so and offers the button that opens the meeting; the
waiting sites then come in by themselves."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import Directory, LiveServer
from tests.web.room.browsing import enter, link, log_in
from tests.web.room.conftest import room_world

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_chair_in_the_room_opens_the_meeting_for_the_waiting_sites(
    live_server: LiveServer, people: Directory, new_page: Callable[[], Page]
) -> None:
    world = room_world(live_server.app, people)  # published, not opened
    site = new_page()
    site.goto(link(world, 1, live_server))
    expect(site.locator("#check")).to_be_visible()
    site.click("#join-button")
    expect(site.locator("#lobby")).to_be_visible(timeout=20_000)

    chair = new_page()
    log_in(chair, live_server, "chutich")
    enter(chair, f"{live_server.url}/meetings/{world.meeting_id}/room")
    banner = chair.locator("#stage-open")
    expect(banner).to_be_visible(timeout=20_000)
    expect(banner).to_contain_text("Cuộc họp chưa mở: các điểm cầu đang ở phòng chờ.")
    # The chair gives the floor; it has no button to ask for it.
    expect(chair.locator("#hand-toggle")).to_be_hidden()
    chair.click("#stage-open-button")

    expect(site.locator("#stage")).to_be_visible(timeout=20_000)
    expect(site.locator("#lobby")).to_be_hidden()
    expect(site.locator("#hand-toggle")).to_be_visible()
    expect(banner).to_be_hidden(timeout=20_000)
