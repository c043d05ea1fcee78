"""A site on a weak line is sent the small copy of each camera, and full size again once its line recovers:
real signalling, the real media server process, aiortc bots (one claims an overloaded line through its REMB)."""

from __future__ import annotations

import pytest

from tests.web.conftest import Directory
from tests.web.room.conftest import Served, room_world, stop_all
from web.room.bots import wait_until

pytestmark = pytest.mark.slow


async def test_a_site_on_a_weak_line_gets_small_pictures_then_full_size_again(
    served: Served, people: Directory
) -> None:
    world = room_world(served.app, people)
    world.open()
    a_id, b_id = f"site-{world.sites[1].id}", f"site-{world.sites[2].id}"
    # "a" sends its camera (320x240) and the quarter-size copy (80x60), as the room page does.
    a = served.bot(world.site_token(world.sites[1]), "a", thumbnail=True, size=(320, 240), fps=10)
    b = served.bot(world.site_token(world.sites[2]), "b", tone=False, size=(160, 120), fps=10)
    try:
        main = ""

        def main_size() -> tuple[int, int] | None:
            nonlocal main
            main = main or next((mid for mid, role in b.roles.items() if role == "main"), "")
            return b.sizes.get(main) if b.layout.get(main) == a_id else None

        await wait_until(lambda: main_size() == (320, 240), 30, "a full size in b's main view")
        room = served.rooms.rooms[f"meeting-{world.meeting_id}"]
        room.downlink.first_hold = 3  # full size tried again after 3 clean readings (6 s), not 15

        # b's browser estimates it receives far less than the server sends it: its line is overloaded.
        b.claimed_downlink = 100_000
        await wait_until(lambda: b_id in room.downlink.weak, 30, "b judged on a weak line")
        await wait_until(lambda: main_size() == (80, 60), 30, "a small in b's main view")
        layout = [m for m in b.messages if m.get("type") == "layout"][-1]
        assert layout["weak_line"] is True
        assert room.media_stats[b_id]["weak_line"] is True and room.media_stats[a_id]["weak_line"] is False

        b.claimed_downlink = 3_000_000  # the line recovers: the estimate is well above what is sent
        await wait_until(lambda: b_id not in room.downlink.weak, 40, "b's line judged strong again")
        await wait_until(lambda: main_size() == (320, 240), 30, "a full size again in b's main view")
    finally:
        await stop_all(a, b)
