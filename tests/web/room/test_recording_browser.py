"""Real Chromium on the room page: every site's page shows that the meeting is being recorded, a site that comes
in during the recording too, and the sign goes when the chair stops."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import Directory, LiveServer
from tests.web.room.browsing import BotThread, enter, link
from tests.web.room.conftest import room_world

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_every_site_sees_the_recording_sign(
    live_server: LiveServer, people: Directory, new_page: Callable[[], Page]
) -> None:
    live = live_server
    world = room_world(live.app, people)
    world.open()
    chair = BotThread(live.url.replace("http", "ws") + "/ws/room", world.chair_token(), label="chair", tone=False)

    def command(value: bool) -> None:
        assert chair.bot is not None
        message = {"type": "chair", "action": "record", "value": value}
        asyncio.run_coroutine_threadsafe(chair.bot.send(message), chair.loop).result(10)

    try:
        a = new_page()
        enter(a, link(world, 1, live))
        sign = a.locator("#recording-indicator")
        expect(sign).to_be_hidden()
        command(True)
        expect(sign).to_be_visible(timeout=15_000)
        expect(sign).to_have_text("Đang ghi hình")
        late = new_page()
        enter(late, link(world, 2, live))
        expect(late.locator("#recording-indicator")).to_be_visible(timeout=15_000)
        command(False)
        expect(sign).to_be_hidden(timeout=40_000)
        expect(late.locator("#recording-indicator")).to_be_hidden(timeout=10_000)
    finally:
        chair.stop()
