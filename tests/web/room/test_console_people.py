"""The chair's console names who is in the room from each invited site (the person logged in at its seat, the
site's own computer, the people of its unit sitting as themselves), beside those invited from it by name."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from meetings.meeting import MeetingInvitee
from tests.web.conftest import Directory
from tests.web.room.conftest import Served, room_world
from tests.web.room.test_console import Signal, chair_pid, pid, signal
from web.room.tokens import person_token

pytestmark = pytest.mark.slow


def sites_of(chair: Signal) -> dict[int, dict[str, Any]]:
    return {s["site"]: s for s in chair.of("console")[-1]["sites"]} if chair.of("console") else {}


async def test_the_console_shows_who_is_in_the_room_from_each_site(served: Served, people: Directory) -> None:
    world = room_world(served.app, people)
    ctx = served.app.state.ctx
    assert people.official_a.id is not None and people.official_b.id is not None
    with ctx.session() as session:
        session.add(MeetingInvitee(meeting_id=world.meeting_id, person_id=people.official_a.id))
        session.commit()
    world.open()
    district, site_a, site_b = (s.id for s in world.sites)
    assert district is not None and site_a is not None and site_b is not None
    # Chu Thị B, an official of commune B, logs in and joins from the meeting page: she sits at B's site.
    official_b = person_token(
        ctx.settings, ctx.secret_key, world.meeting_id, site_b, people.official_b.id, now=datetime.now(UTC)
    )
    async with signal(served, world.chair_token()) as chair, signal(served, world.site_token(world.sites[1])):
        async with signal(served, official_b):
            await chair.until(lambda: sites_of(chair).get(site_b, {}).get("present"), "B's person on the console")
            sites = sites_of(chair)
            # Lý Văn A was invited by name, but A's room joined through its link: the room knows the site's
            # computer, not who sits before it.
            assert (sites[site_a]["people"], sites[site_a]["present"]) == (
                ["Lý Văn A"],
                [{"participant": pid(world, 1), "name": None, "connected": False}],
            )
            assert (sites[site_b]["people"], sites[site_b]["present"]) == (
                [],
                [{"participant": pid(world, 2), "name": "Chu Thị B", "connected": False}],
            )
            # The chair sits as themselves; they are of the district's unit, so counted from its site.
            assert sites[district]["state"] == "absent"
            assert sites[district]["present"] == [
                {"participant": chair_pid(world), "name": "Lò Văn Chủ", "connected": False}
            ]
        await chair.until(lambda: sites_of(chair)[site_b]["present"] == [], "B gone from the console")
        assert sites_of(chair)[site_b]["state"] == "absent"
        assert sites_of(chair)[site_a]["present"] == [{"participant": pid(world, 1), "name": None, "connected": False}]
