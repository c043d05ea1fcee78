"""The web app's watchdog over the media process: a process that dies is replaced at once; one that is there
but slow to answer is waited for, not replaced under the sites (docs/scale.md: with 90 sites joining, a
replaced media server made every site negotiate again)."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from tests.web.conftest import Directory
from tests.web.room.conftest import Served, room_world, stop_all
from web.room import media
from web.room.bots import wait_until

pytestmark = pytest.mark.slow


async def test_a_media_server_that_answers_late_is_not_replaced(served: Served, people: Directory) -> None:
    world = room_world(served.app, people)
    world.open()
    a = served.bot(world.site_token(world.sites[1]), "a", size=(160, 120), fps=5)
    b = served.bot(world.site_token(world.sites[2]), "b", tone=False, size=(160, 120), fps=5)
    try:
        await wait_until(lambda: len(a.seen(5)) == 1 and len(b.seen(5)) == 1, 30, "a picture at each")
        media_pid = served.rooms.media.pid
        assert media_pid is not None
        # Frozen longer than two pings' timeouts (as a process starved of CPU would be), then going on.
        os.kill(media_pid, signal.SIGSTOP)
        try:
            await asyncio.sleep(2 * media.PING_TIMEOUT + 3)
        finally:
            os.kill(media_pid, signal.SIGCONT)
        frames = sum(a.frames.values())
        await wait_until(lambda: sum(a.frames.values()) > frames + 10, 30, "pictures again")
        assert served.rooms.media.restarts == 0
        assert served.rooms.media.pid == media_pid
        assert (a.sessions, b.sessions) == (1, 1)  # nobody had to negotiate again
    finally:
        await stop_all(a, b)
