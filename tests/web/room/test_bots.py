"""Synthetic sites through the real signalling and the real media server process."""

from __future__ import annotations

import pytest

from tests.web.conftest import Directory
from tests.web.room.conftest import Served, room_world, stop_all
from web.room.bots import wait_until

pytestmark = pytest.mark.slow


async def test_two_sites_see_each_other(served: Served, people: Directory) -> None:
    world = room_world(served.app, people)
    world.open()
    a = served.bot(world.site_token(world.sites[1]), "a")
    b = served.bot(world.site_token(world.sites[2]), "b")
    try:
        ida, idb = f"site-{world.sites[1].id}", f"site-{world.sites[2].id}"
        await wait_until(lambda: a.frames[idb] > 20 and b.frames[ida] > 20, 30, "each bot decoding the other")
        stats = await served.rooms.media_call("stats", room=f"meeting-{world.meeting_id}")
        print(stats)
    finally:
        await stop_all(a, b)
