"""Real Chromium on the real room page (fake camera and microphone): sites see each other's video playing, a
late site gets a picture, the active speaker moves to the site with the tone, a shared screen appears at the
others, and after the media server dies the pages come back by themselves."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import Directory, LiveServer
from tests.web.room.browsing import BotThread, CuttableProxy, enter, eventually, link, log_in, plays
from tests.web.room.conftest import RoomWorld, room_world
from web.room.rooms import Rooms

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def rooms_of(live: LiveServer) -> Rooms:
    value = live.app.state.rooms
    assert isinstance(value, Rooms)
    return value


def on_server(live: LiveServer, coroutine: Any) -> Any:
    """Run a coroutine in the app's own event loop (uvicorn's thread) and wait for its result."""
    loop = rooms_of(live).loop
    assert loop is not None
    return asyncio.run_coroutine_threadsafe(coroutine, loop).result(30)


def forwarded(live: LiveServer, world: RoomWorld) -> int:
    stats = on_server(live, rooms_of(live).media_call("stats"))
    return sum(p["packets_forwarded"] for p in stats.get(f"meeting-{world.meeting_id}", {}).values())


def test_sites_see_each_other_a_late_site_the_speaker_the_screen_and_a_media_restart(
    live_server: LiveServer, people: Directory, new_page: Callable[[], Page]
) -> None:
    live = live_server
    world = room_world(live.app, people)
    world.open()
    a_id, b_id = f"site-{world.sites[1].id}", f"site-{world.sites[2].id}"
    chair_id = f"person-{people.chair.id}"

    a, b = new_page(), new_page()
    enter(a, link(world, 1, live))
    enter(b, link(world, 2, live))
    plays(a, b_id)
    plays(b, a_id)
    before = forwarded(live, world)
    time.sleep(1.5)
    assert forwarded(live, world) > before + 50, "the server forwards packets"
    expect(a.locator("#conn-state")).to_have_text("Đã kết nối")
    # A site's tile is captioned by its unit; its room's whole name shows on hover.
    tile_b = a.locator(f"#stage figure.tile[data-participant='{b_id}']").first
    expect(tile_b.locator(".tile-name")).to_have_text("UBND xã Ka Lăng")
    expect(tile_b).to_have_attribute("title", "Hội trường xã Ka Lăng")
    expect(a.locator("#tile-self .tile-name")).to_contain_text("UBND xã Bum Nưa")

    # A third comes late: the chair, logged in, from the meeting page's button.
    chair = new_page()
    log_in(chair, live, "chutich")
    chair.goto(f"{live.url}/meetings/{world.meeting_id}")
    chair.click("#enter-room")
    expect(chair).to_have_url(f"{live.url}/meetings/{world.meeting_id}/room")
    expect(chair.locator("#check")).to_be_visible()
    eventually(lambda: chair.evaluate("document.getElementById('preview').videoWidth") > 0, 20, "the preview")
    chair.click("#join-button")
    plays(chair, a_id)
    plays(chair, b_id)
    # The chair is everyone's main view.
    plays(a, chair_id)
    expect(a.locator(f"#tile-main[data-participant='{chair_id}'] .tile-name")).to_have_text("Lò Văn Chủ")
    expect(a.locator(f".roster-item[data-participant='{chair_id}'] .flag-chair")).to_be_visible()
    # B is now in a thumbnail at A: the small copy of B's camera, a quarter of its width at most. (The fake
    # microphones beep, and whoever the media server found loudest sits in the speaker view, not a thumbnail:
    # in chaired mode a site without the floor is nobody's speaker, so B is in a thumbnail at A.)
    chair.click("#mode-chaired")
    camera_width = b.evaluate("document.getElementById('preview').srcObject.getVideoTracks()[0].getSettings().width")
    thumb = f"#thumbs figure[data-participant='{b_id}'] video"
    eventually(lambda: a.evaluate(f'document.querySelector("{thumb}")?.videoWidth || 0') > 0, 45, "B's thumbnail")
    thumb_width = a.evaluate(f'document.querySelector("{thumb}").videoWidth')
    assert 0 < thumb_width <= camera_width / 4
    chair.click("#mode-open")

    # The bot's tone makes it the active speaker: highlighted, and shown, at the sites.
    bot = BotThread(live.url.replace("http", "ws") + "/ws/room", world.site_token(world.sites[0]), label="bot")
    try:
        bot_id = f"site-{world.sites[0].id}"
        expect(a.locator(f"#stage figure.tile.speaking[data-participant='{bot_id}']")).to_be_visible(timeout=30_000)
        expect(b.locator(f".roster-item.speaking[data-participant='{bot_id}']")).to_be_visible(timeout=30_000)
        plays(b, bot_id)
    finally:
        bot.stop()

    # The chair lets site A share its screen; A shares; the others see it.
    expect(a.locator("#share-toggle")).to_be_disabled()
    chair.click(f".roster-item[data-participant='{a_id}'] button.allow-share")
    expect(a.locator("#share-toggle")).to_be_enabled()
    a.click("#share-toggle")
    expect(a.locator("#share-toggle")).to_have_text("Dừng chia sẻ")
    for viewer in (b, chair):
        expect(viewer.locator(f"#tile-screen[data-participant='{a_id}']")).to_be_visible(timeout=20_000)
        eventually(
            lambda viewer=viewer: (
                viewer.evaluate(
                    "document.querySelector('#tile-screen video').getVideoPlaybackQuality().totalVideoFrames"
                )
                > 5
            ),
            20,
            "the shared screen playing",
        )
    a.click("#share-toggle")
    expect(b.locator("#tile-screen")).to_be_hidden(timeout=20_000)

    # Healthy lines on loopback: nobody was judged weak (a browser's estimate alone once made everyone so).
    room = rooms_of(live).rooms[f"meeting-{world.meeting_id}"]
    assert room.media_stats and not room.downlink.weak
    expect(b.locator("#weak-line")).to_be_hidden()

    # The media server dies: every page says it is reconnecting, then shows the others again by itself.
    for page in (a, b, chair):
        page.evaluate(
            """() => {
                window.sawReconnecting = false;
                const banner = document.getElementById('reconnecting');
                new MutationObserver(() => { if (!banner.hidden) window.sawReconnecting = true; })
                    .observe(banner, {attributes: true});
            }"""
        )
    media_pid = rooms_of(live).media.pid
    assert media_pid is not None
    os.kill(media_pid, signal.SIGKILL)
    for page in (a, b, chair):
        eventually(lambda page=page: page.evaluate("window.sawReconnecting"), 30, "the reconnecting notice")
    plays(a, b_id, timeout=60)
    plays(b, a_id, timeout=60)
    plays(chair, a_id, timeout=60)
    expect(a.locator("#reconnecting")).to_be_hidden()
    assert rooms_of(live).media.pid != media_pid


def test_a_network_cut_between_a_site_and_the_server_heals_by_itself(
    live_server: LiveServer, people: Directory, new_page: Callable[[], Page]
) -> None:
    live = live_server
    world = room_world(live.app, people)
    world.open()
    a_id, b_id = f"site-{world.sites[1].id}", f"site-{world.sites[2].id}"
    # Site A reaches the server through a proxy that can cut the line; B directly.
    proxy = CuttableProxy(int(live.url.rsplit(":", 1)[1]))
    try:
        a, b = new_page(), new_page()
        enter(a, f"{proxy.url}/join/{world.site_token(world.sites[1])}")
        enter(b, link(world, 2, live))
        plays(a, b_id)
        expect(b.locator(f".roster-item[data-participant='{a_id}'] .quality-good")).to_be_visible(timeout=20_000)
        proxy.cut(4.0)
        expect(a.locator("#reconnecting")).to_be_visible(timeout=10_000)
        expect(a.locator("#reconnecting")).to_contain_text("Đang kết nối lại…")
        expect(a.locator("#reconnecting")).to_be_hidden(timeout=40_000)
        plays(a, b_id)
        plays(b, a_id)
        expect(b.locator(f".roster-item[data-participant='{a_id}']")).to_have_count(1)
    finally:
        proxy.close()
