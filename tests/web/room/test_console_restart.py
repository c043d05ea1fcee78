"""A server restarted mid-meeting: the room made again takes up from the meeting log what the chair had set
(the same as after everyone left, in test_console.py), with the agenda item's turn simply going on."""

from __future__ import annotations

import asyncio

import pytest

from meetings.log import read
from tests.web.conftest import Directory
from tests.web.room.conftest import Served, room_world
from tests.web.room.test_console import log_rows, pid, room_of, signal
from web.room.bots import wait_until

pytestmark = pytest.mark.slow


async def test_after_a_restart_the_vote_the_agenda_item_and_the_mode_are_as_they_were(
    served: Served, people: Directory
) -> None:
    world = room_world(served.app, people)
    item_id = world.add_agenda_item("Tình hình bão", 15)
    world.open()
    async with signal(served, world.chair_token()) as chair, signal(served, world.site_token(world.sites[1])) as a:
        await chair.chair("mode", value="chaired")
        await chair.chair("agenda", item=item_id)
        await chair.chair("vote_open", question="Sơ tán dân vùng trũng?", options=["Có", "Không"], per="site")
        await a.until(lambda: a.of("vote_opened"), "the vote at A")
        vote_id = a.of("vote_opened")[0]["vote"]["id"]
        await a.send(type="vote", vote=vote_id, choice=0)
        await a.until(lambda: a.of("vote_answered"), "A's answer taken")
        started = room_of(served, world).chairing.agenda_started
        # The app stops under them (a restart) and starts again.
        await served.rooms.stop()
        await chair.until(lambda: chair.reader.done(), "the chair disconnected")
    await served.rooms.start(start_media=False)
    await asyncio.sleep(0.5)

    async with signal(served, world.chair_token()) as chair, signal(served, world.site_token(world.sites[1])) as a:
        welcome = chair.of("welcome")[0]
        assert welcome["floor"]["mode"] == "chaired"
        assert welcome["vote"]["id"] == vote_id
        assert welcome["agenda"]["id"] == item_id
        room = room_of(served, world)
        assert started is not None and room.chairing.agenda_started == started  # the same turn goes on
        await chair.until(lambda: chair.of("console"), "the console")
        assert chair.of("console")[-1]["vote"]["answered"] == [pid(world, 1)]
        await a.send(type="vote", vote=vote_id, choice=1)
        await a.until(lambda: a.errors() == ["already_voted"], "A's second answer refused")
    await wait_until(lambda: f"meeting-{world.meeting_id}" not in served.rooms.rooms, 10, "the room gone")
    await served.rooms.logs.flush()
    rows = log_rows(served, world)
    assert rows["votes"] == [("Sơ tán dân vùng trũng?", [1, 0])]
    # One turn across the restart, ended when the room emptied afterwards.
    assert rows["agenda"] == [(item_id, True)]
    with served.app.state.ctx.session() as session:
        [vote] = [v for v, _, _ in read.votes(session, world.meeting_id)]
        assert vote.closed_at is None  # still open: the meeting goes on
