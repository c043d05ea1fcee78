"""What the room sends when many sites are in it (a province meeting has 60 to 120): counted in messages and
in work, not in time (docs/scale.md)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from meetings import rooms
from tests.web.conftest import Directory
from tests.web.room.conftest import Served, room_world
from web.room.layout import Publisher, Scene, Subscriber, plan
from web.room.signalling import ENCODER, Encoder

pytestmark = pytest.mark.slow


async def next_of(ws: ClientConnection, kind: str) -> dict[str, Any]:
    async with asyncio.timeout(10):
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == kind:
                assert isinstance(message, dict)
                return message


async def roster_of(ws: ClientConnection, count: int) -> dict[str, Any]:
    """The next roster listing ``count`` participants (earlier ones, of fewer, are passed over)."""
    while True:
        roster = await next_of(ws, "roster")
        if len(roster["participants"]) == count:
            return roster


async def test_a_roster_sent_to_every_site_is_encoded_once(served: Served, people: Directory) -> None:
    world = room_world(served.app, people, extra_sites=3)  # six sites, in the lobby (no media)
    sockets = []
    try:
        for site in world.sites[:5]:
            ws = await connect(served.ws_url, max_size=2**20)
            sockets.append(ws)
            await ws.send(json.dumps({"type": "join", "token": world.site_token(site)}))
            await next_of(ws, "welcome")
        for ws in sockets[:4]:  # the roster telling the four first of the fifth
            await roster_of(ws, 5)
        before = ENCODER.encoded["roster"]
        newcomer = await connect(served.ws_url, max_size=2**20)
        sockets.append(newcomer)
        await newcomer.send(json.dumps({"type": "join", "token": world.site_token(world.sites[5])}))
        welcome = await next_of(newcomer, "welcome")
        for ws in sockets[:5]:
            await roster_of(ws, 6)
        assert len(welcome["roster"]) == 6
        # Five sites were told, with one encoding of the roster.
        assert ENCODER.encoded["roster"] - before == 1
    finally:
        for ws in sockets:
            await ws.close()


def test_the_encoder_encodes_each_message_object_once() -> None:
    encoder = Encoder(size=2)
    roster = {"type": "roster", "participants": [{"id": "site-1", "name": "Hội trường xã Bum Nưa"}]}
    assert encoder.text(roster) == json.dumps(roster, ensure_ascii=False)
    assert encoder.text(roster) is encoder.text(roster)
    assert encoder.encoded["roster"] == 1
    # An equal message made anew is another message (the room builds a fresh one for each change).
    again = {"type": "roster", "participants": [{"id": "site-1", "name": "Hội trường xã Bum Nưa"}]}
    encoder.text(again)
    assert encoder.encoded["roster"] == 2
    # Only the last ``size`` objects are kept; the one used last stays.
    encoder.text(roster)
    encoder.text({"type": "speaker", "participant": "site-1"})
    encoder.text(roster)
    assert encoder.encoded == {"roster": 2, "speaker": 1}
    encoder.text({"type": "speaker", "participant": "site-2"})
    encoder.text(again)
    assert encoder.encoded == {"roster": 3, "speaker": 2}


class Inbox:
    """A participant's signalling channel that keeps what the room sends it."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def send(self, message: dict[str, Any]) -> None:
        self.messages.append(message)

    def close(self, code: int, message: dict[str, Any] | None = None) -> None:
        pass

    def tr(self, text: str, **variables: Any) -> str:
        return text % variables if variables else text

    def rosters(self) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["type"] == "roster"]


async def test_sites_arriving_together_are_sent_one_roster_each(served: Served, people: Directory) -> None:
    world = room_world(served.app, people, extra_sites=27)  # thirty sites
    first = await connect(served.ws_url, max_size=2**20)
    try:
        await first.send(json.dumps({"type": "join", "token": world.site_token(world.sites[0])}))
        await next_of(first, "welcome")
        room = served.rooms.rooms[f"meeting-{world.meeting_id}"]
        with served.app.state.ctx.session() as session:
            meeting = rooms.load_meeting(session, world.meeting_id)
            seats = [rooms.seat_for_site(session, meeting, site.id or 0) for site in world.sites[1:]]
        # The 29 others arrive in the same moment (as after a network cut, or the chair's "everyone in").
        inboxes = [Inbox() for _ in seats]
        for seat, inbox in zip(seats, inboxes, strict=True):
            room.admit(seat, inbox)
        await asyncio.sleep(room.roster_delay() + 0.5)
        # One roster each, listing all thirty; the last to come needs none (its welcome lists everyone). Sent as
        # each arrived, it was 28 + 27 + ... + 1 = 406 rosters to them, and 29 to the first site.
        assert [len(inbox.rosters()) for inbox in inboxes] == [1] * 28 + [0]
        assert {len(inbox.rosters()[0]["participants"]) for inbox in inboxes[:28]} == {30}
        assert len((await roster_of(first, 30))["participants"]) == 30
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.5):
                await next_of(first, "roster")
        # A change later: one more roster to everyone, with it.
        room.set_media_state(room.participants[seats[3].participant], False, True)
        await asyncio.sleep(room.roster_delay() + 0.5)
        assert [len(inbox.rosters()) for inbox in inboxes] == [2] * 28 + [1]
        shown = {p["id"]: p["audio"] for p in inboxes[-1].rosters()[-1]["participants"]}
        assert shown[seats[3].participant] is False and list(shown.values()).count(False) == 1
    finally:
        await first.close()


class Counted(str):
    """A participant id that counts how often it is compared for equality (the work of looking it up)."""

    comparisons = 0

    def __eq__(self, other: object) -> bool:
        Counted.comparisons += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def test_planning_a_large_room_looks_each_participant_up_a_few_times() -> None:
    ids = [Counted(f"site-{i}") for i in range(120)]
    publishers = {p: Publisher(p, {"camera": "0", "microphone": "1"}) for p in ids}
    scene = Scene(order=ids, chair=ids[0], speaker=ids[5], recent=ids[5:12], publishers=publishers)
    slots = {"2": "main", "3": "speaker", **{str(4 + i): "thumb" for i in range(8)}, "12": "screen", "13": "audio"}
    Counted.comparisons = 0
    result = plan(scene, Subscriber(ids[60], slots), {})
    assert {mid: a[0] if a else None for mid, a in result.items()} == {
        "2": "site-0",  # the chair
        "3": "site-5",  # the speaker
        **{str(4 + i): f"site-{6 + i}" for i in range(6)},  # the recent speakers
        "10": "site-1",  # then in the order they came
        "11": "site-2",
        "12": None,
        "13": "site-5",
    }
    # A few comparisons per participant in the room; with a list of the others, 120 x 120 for each subscriber.
    assert Counted.comparisons < 10 * len(ids)


async def test_a_quality_change_sends_only_the_levels_that_changed(served: Served, people: Directory) -> None:
    world = room_world(served.app, people, extra_sites=27)
    first = await connect(served.ws_url, max_size=2**20)
    try:
        await first.send(json.dumps({"type": "join", "token": world.site_token(world.sites[0])}))
        await next_of(first, "welcome")
        room = served.rooms.rooms[f"meeting-{world.meeting_id}"]
        with served.app.state.ctx.session() as session:
            meeting = rooms.load_meeting(session, world.meeting_id)
            seats = [rooms.seat_for_site(session, meeting, site.id or 0) for site in world.sites[1:]]
        inboxes = [Inbox() for _ in seats]
        for seat, inbox in zip(seats, inboxes, strict=True):
            room.admit(seat, inbox)
        everyone = list(room.participants)
        room.update_quality(dict.fromkeys(everyone, "good"))
        room.update_quality({**dict.fromkeys(everyone, "good"), everyone[7]: "poor"})
        room.update_quality(dict.fromkeys(everyone, "good") | {everyone[7]: "poor"})  # nothing changed: nothing sent
        levels = [m["levels"] for m in inboxes[0].messages if m["type"] == "quality"]
        assert levels == [dict.fromkeys(everyone, "good"), {everyone[7]: "poor"}]
        assert all([m["levels"] for m in inbox.messages if m["type"] == "quality"] == levels for inbox in inboxes)
    finally:
        await first.close()
