"""The device check in a real Chromium: the preview, the microphone level, the test tone, the result kept
for the site's IT officer; a refused camera and an insecure page explained; a site's rehearsal room."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, Route, expect

from tests.web.conftest import Directory, LiveServer
from tests.web.room.browsing import eventually, link, log_in, plays
from tests.web.room.conftest import room_world

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_check_is_kept_and_the_sites_officials_see_it_in_the_rehearsal_room(
    live_server: LiveServer, people: Directory, new_page: Callable[[], Page]
) -> None:
    world = room_world(live_server.app, people)
    page = new_page()
    page.goto(link(world, 1, live_server))
    expect(page.locator("#camera-state")).to_have_text("Camera hoạt động tốt.")
    eventually(lambda: page.evaluate("document.getElementById('preview').videoWidth") > 0, 20, "the preview")
    # Chromium's fake microphone beeps: the meter moves.
    eventually(lambda: int(page.get_attribute("#mic-meter", "aria-valuenow") or 0) > 10, 20, "the level meter")
    expect(page.locator("#mic-state")).to_have_text("Micrô hoạt động: hãy nói thử và xem vạch âm lượng.")
    page.click("#tone-button")
    page.check("#tone-heard")
    page.click("#join-button")
    expect(page.locator("#check-saved")).to_have_text("Đã lưu kết quả kiểm tra.")
    # The meeting is not open yet: the site waits in the lobby.
    expect(page.locator("#lobby")).to_be_visible()
    expect(page.locator("#lobby-text")).to_contain_text("Vui lòng chờ chủ trì mở cuộc họp")
    expect(page.locator("#lobby-chair")).to_be_hidden()

    official = new_page()
    log_in(official, live_server, "canbo.a")
    official.goto(f"{live_server.url}/sites/{world.sites[1].id}/rehearsal")
    rows = official.locator("#last-checks tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Tốt")
    expect(rows.first).to_contain_text("Nghe rõ")
    expect(rows.first).to_contain_text("fake_device_0")
    # Alone in the rehearsal room, one sees oneself come back through the server.
    official.click("#join-button")
    plays(official, f"site-{world.sites[1].id}")
    expect(official.locator("#tile-main .tile-name")).to_have_text("Hình của anh/chị, gửi qua máy chủ và nhận về")
    # Someone from another commune has no business there.
    other = new_page()
    log_in(other, live_server, "canbo.b")
    response = other.goto(f"{live_server.url}/sites/{world.sites[1].id}/rehearsal")
    assert response is not None and response.status == 403


def test_a_refused_camera_is_explained_and_the_site_can_still_join(
    live_server: LiveServer, people: Directory, new_page: Callable[[], Page]
) -> None:
    world = room_world(live_server.app, people)
    world.open()
    page = new_page()
    # As when someone clicked "Block" on Chrome's camera prompt.
    page.add_init_script(
        """(() => {
            const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
            navigator.mediaDevices.getUserMedia = (c) => c && c.video
                ? Promise.reject(new DOMException('Permission denied', 'NotAllowedError'))
                : original(c);
        })()"""
    )
    page.goto(link(world, 1, live_server))
    problem = page.locator("#camera-problem")
    expect(problem).to_be_visible()
    expect(problem).to_contain_text("Trình duyệt đang chặn camera hoặc micrô")
    expect(problem).to_contain_text("vẫn có thể vào phòng")
    page.click("#join-button")
    expect(page.locator("#stage")).to_be_visible()
    expect(page.locator("#camera-toggle")).to_be_disabled()
    expect(page.locator("#conn-state")).to_have_text("Đã kết nối", timeout=30_000)


def test_an_insecure_page_says_why_the_camera_cannot_work(
    live_server: LiveServer, people: Directory, new_page: Callable[[], Page]
) -> None:
    world = room_world(live_server.app, people)
    page = new_page()

    def forward(route: Route) -> None:
        route.fulfill(response=route.fetch(url=route.request.url.replace("http://giaoban.test", live_server.url)))

    page.context.route("http://giaoban.test/**", forward)
    page.goto(f"http://giaoban.test/join/{world.site_token(world.sites[1])}")
    assert page.evaluate("window.isSecureContext") is False
    box = page.locator("#check-insecure")
    expect(box).to_be_visible()
    expect(box).to_contain_text("HTTPS")
    expect(box).to_contain_text("không cho dùng camera và micrô")


def test_expired_and_forged_links_show_a_clear_page(
    live_server: LiveServer, people: Directory, new_page: Callable[[], Page]
) -> None:
    world = room_world(live_server.app, people)
    page = new_page()
    response = page.goto(f"{live_server.url}/join/{world.site_token(world.sites[1])[:-4]}abcd")
    assert response is not None and response.status == 403
    expect(page.locator("main")).to_contain_text("Đường dẫn vào phòng họp không hợp lệ")
