"""The chair's console on the server (issue 6), through the real signalling and the real media server: the floor
and what each site hears, muting, votes, the roll call, the agenda, the meeting log; and the console's
commands refused to those who may not use them, with nothing changed."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal as signals
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from meetings.log import read
from meetings.meeting import AgendaItem, Meeting
from tests.web.conftest import Directory
from tests.web.room.conftest import RoomWorld, Served, room_world, stop_all
from web.room.bots import Bot, wait_until
from web.room.meeting_room import MeetingRoom

pytestmark = pytest.mark.slow


def pid(world: RoomWorld, index: int) -> str:
    return f"site-{world.sites[index].id}"


def chair_pid(world: RoomWorld) -> str:
    return f"person-{world.people.chair.id}"


def room_of(served: Served, world: RoomWorld) -> MeetingRoom:
    return served.rooms.rooms[f"meeting-{world.meeting_id}"]


async def audio_packets(served: Served, world: RoomWorld, subscriber: str) -> dict[str, int]:
    """Audio packets the media server has sent ``subscriber`` so far, per publisher (over its audio slots)."""
    key = f"meeting-{world.meeting_id}"
    stats = (await served.rooms.media_call("stats", room=key))[key][subscriber]
    result: dict[str, int] = {}
    for slot in stats["slots"].values():
        if slot["kind"] == "audio" and slot["source"]:
            publisher = slot["source"].split("/")[0]
            result[publisher] = result.get(publisher, 0) + slot["packets"]
    return result


async def heard(served: Served, world: RoomWorld, bot: Bot, seconds: float = 2.0) -> set[str]:
    """Whose audio reaches ``bot`` now: the publishers whose packets the media server keeps sending it.

    (The bot's decoded frames are not used here: under load its decoder runs late, so frames are credited to
    whatever its layout shows when they come out.)"""
    await asyncio.sleep(0.8)  # what was in flight before the change has arrived
    assert bot.id is not None
    before = await audio_packets(served, world, bot.id)
    await asyncio.sleep(seconds)
    after = await audio_packets(served, world, bot.id)
    return {p for p, n in after.items() if n > before.get(p, 0) + 10}


async def command(bot: Bot, action: str, **fields: Any) -> None:
    await bot.send({"type": "chair", "action": action, **fields})


def errors(bot: Bot) -> list[str]:
    return [e["code"] for e in bot.errors]


def log_rows(served: Served, world: RoomWorld) -> dict[str, list[Any]]:
    with served.app.state.ctx.session() as session:
        m = world.meeting_id
        return {
            "presence": [(p.participant, p.left_reason) for p in read.presence(session, m)],
            "floor": [(t.participant, t.ended_at is not None) for t in read.floor_turns(session, m)],
            "votes": [(v.question, counts) for v, _, counts in read.votes(session, m)],
            "events": [(e.kind, e.participant) for e in read.events(session, m)],
            "roll": [(r.site_id, r.status, r.headcount, r.corrected) for r in read.roll_calls(session, m)],
            "agenda": [(t.agenda_item_id, t.ended_at is not None) for t in read.agenda_turns(session, m)],
        }


async def test_the_floor_decides_who_is_heard(served: Served, people: Directory) -> None:
    world = room_world(served.app, people)
    world.open()
    chair = served.bot(world.chair_token(), "chair", size=(160, 120), fps=10, frequency=300)
    district = served.bot(world.site_token(world.sites[0]), "d", size=(160, 120), fps=10, frequency=500)
    a = served.bot(world.site_token(world.sites[1]), "a", size=(160, 120), fps=10, frequency=700)
    b = served.bot(world.site_token(world.sites[2]), "b", size=(160, 120), fps=10, tone=False)
    bots = (chair, district, a, b)
    a_id, d_id, c_id = pid(world, 1), pid(world, 0), chair_pid(world)
    try:
        await wait_until(lambda: all(x.connected.is_set() and x.id for x in bots), 40, "everyone connected")
        room = room_of(served, world)
        await wait_until(lambda: all(p.media == "connected" for p in room.participants.values()), 20, "media")
        audio = [mid for mid, role in b.roles.items() if role == "audio"]
        await wait_until(lambda: {b.layout.get(m) for m in audio} - {None} == {c_id, d_id, a_id}, 20, "B's audio")
        assert await heard(served, world, b) == {c_id, d_id, a_id}  # open mode: all are heard

        await command(chair, "mode", value="chaired")
        await wait_until(lambda: room.chaired, 10, "chaired mode")
        assert await heard(served, world, b) == {c_id}

        # A asks for the floor; the chair sees the queue, gives it: A is heard, and A is everyone's main view.
        await a.send({"type": "hand", "raised": True})
        await wait_until(lambda: room.hands == [a_id], 10, "A's request in the queue")
        await command(chair, "floor", participant=a_id)
        await wait_until(lambda: room.floor == a_id and not room.hands, 10, "the floor to A")
        before = b.audio_frames[a_id]
        assert await heard(served, world, b) == {c_id, a_id}
        await wait_until(lambda: b.audio_frames[a_id] > before + 20, 10, "B decoding A's sound")
        main = next(mid for mid, role in b.roles.items() if role == "main")
        await wait_until(lambda: b.layout.get(main) == a_id, 10, "A as B's main view")
        assert {"type": "floor", "participant": a_id, "mode": "chaired"} in b.messages

        # A site cannot unmute itself or take the floor: its commands are refused and nothing changes.
        await command(a, "mode", value="open")
        await command(a, "floor", participant=d_id)
        await district.send({"type": "media_state", "audio": True, "video": True})
        await wait_until(lambda: errors(a) == ["not_chair", "not_chair"], 10, "A refused")
        assert (room.chaired, room.floor) == (True, a_id)

        # The chair takes the floor back: A is silent at B again.
        await command(chair, "floor", participant=None)
        await wait_until(lambda: room.floor is None, 10, "the floor taken back")
        assert await heard(served, world, b) == {c_id}

        # Open mode, then mute all: only the chair is heard; the media server no longer forwards the others.
        await command(chair, "mode", value="open")
        await wait_until(lambda: not room.chaired, 10, "open mode")
        assert await heard(served, world, b) == {c_id, d_id, a_id}
        await command(chair, "mute_all")
        await wait_until(lambda: room.chairing.muted == {d_id, a_id, pid(world, 2)}, 10, "all muted")
        assert await heard(served, world, b) == {c_id}
        key = f"meeting-{world.meeting_id}"
        stats = (await served.rooms.media_call("stats", room=key))[key]
        assert stats[a_id]["paused"] == ["audio"] and stats[c_id]["paused"] == []
        assert any(r.get("id") == a_id and r["muted"] for r in b.roster)
        # A muted site telling the server its microphone is on changes nothing.
        await a.send({"type": "media_state", "audio": True, "video": True})
        assert await heard(served, world, b) == {c_id}
        # Given the floor (chaired mode again), A is unmuted and heard; the district's site stays muted.
        await command(chair, "mode", value="chaired")
        await command(chair, "floor", participant=a_id)
        await wait_until(lambda: room.chairing.muted == {d_id, pid(world, 2)}, 10, "A unmuted")
        assert await heard(served, world, b) == {c_id, a_id}
        await command(chair, "mode", value="open")
        assert await heard(served, world, b) == {c_id, a_id}
    finally:
        await stop_all(*bots)

    await served.rooms.logs.flush()
    rows = log_rows(served, world)
    assert rows["floor"] == [(a_id, True), (a_id, True)]  # the second ended when A left
    assert sorted(p for p, _ in rows["presence"]) == sorted([c_id, d_id, a_id, pid(world, 2)])
    assert {reason for _, reason in rows["presence"]} == {"left"}
    kinds = [k for k, _ in rows["events"]]
    assert kinds == ["mode", "mode", "mute_all", "mode", "unmute", "mode"]  # no agenda item: no room_emptied


class Signal:
    """A participant on the signalling alone (no media): enough for votes, the roll call and refusals."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.messages: list[dict[str, Any]] = []
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in self.ws:
                self.messages.append(json.loads(raw))

    async def send(self, **message: Any) -> None:
        await self.ws.send(json.dumps(message))

    async def chair(self, action: str, **fields: Any) -> None:
        await self.send(type="chair", action=action, **fields)

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("type") == kind]

    def errors(self) -> list[str]:
        return [m["code"] for m in self.of("error")]

    async def until(self, predicate: Callable[[], object], what: str) -> None:
        await wait_until(predicate, 10, what)


@contextlib.asynccontextmanager
async def signal(served: Served, token: str) -> AsyncIterator[Signal]:
    async with connect(served.ws_url, max_size=2**20) as ws:
        client = Signal(ws)
        await client.send(type="join", token=token)
        await client.until(lambda: client.of("welcome"), "the welcome")
        try:
            yield client
        finally:
            client.reader.cancel()


async def test_a_vote_counts_each_answer_once_and_shows_the_results(served: Served, people: Directory) -> None:
    world = room_world(served.app, people)
    world.open()
    async with (
        signal(served, world.chair_token()) as chair,
        signal(served, world.site_token(world.sites[0])) as d,
        signal(served, world.site_token(world.sites[1])) as a,
        signal(served, world.site_token(world.sites[2])) as b,
    ):
        room = room_of(served, world)
        assert chair.of("welcome")[0]["you"]["controller"] and not a.of("welcome")[0]["you"]["controller"]
        # The chair's console follows the welcome: every invited site, in the lobby until its media connects.
        await chair.until(lambda: chair.of("console"), "the console")
        assert chair.messages[0]["type"] == "welcome"
        console = chair.of("console")[-1]
        assert [(x["site"], x["state"]) for x in console["sites"]] == [(site.id, "lobby") for site in world.sites]
        await chair.chair("vote_open", question="Thông qua phương án sơ tán?", options=["Đồng ý", "Không"], per="site")
        await a.until(lambda: a.of("vote_opened"), "the vote at A")
        vote = a.of("vote_opened")[0]["vote"]
        assert (vote["question"], vote["options"], vote["per"]) == (
            "Thông qua phương án sơ tán?",
            ["Đồng ý", "Không"],
            "site",
        )
        await a.send(type="vote", vote=vote["id"], choice=0)
        await b.send(type="vote", vote=vote["id"], choice=1)
        await d.send(type="vote", vote=vote["id"], choice=0)
        # Live results for the chair only.
        await chair.until(
            lambda: any(c["vote"] and c["vote"]["counts"] == [2, 1] for c in chair.of("console")), "live results"
        )
        assert not a.of("console")
        # A second answer, an answer out of range, and an answer from the chair (no site): refused, unchanged.
        await a.send(type="vote", vote=vote["id"], choice=1)
        await chair.send(type="vote", vote=vote["id"], choice=0)
        await a.until(lambda: a.errors() == ["already_voted"], "the second answer refused")
        await chair.until(lambda: chair.errors() == ["not_voter"], "the chair's answer refused")
        assert room.chairing.vote is not None and room.chairing.vote.answers == {
            pid(world, 1): 0,
            pid(world, 2): 1,
            pid(world, 0): 0,
        }
        # A site cannot close it; the chair does, and everyone sees the results.
        await a.chair("vote_close", vote=vote["id"])
        await a.until(lambda: a.errors() == ["already_voted", "not_chair"], "A's close refused")
        assert room.chairing.vote is not None
        await chair.chair("vote_close", vote=vote["id"])
        await b.until(lambda: b.of("vote_closed"), "the results at B")
        assert b.of("vote_closed")[0] == {
            "type": "vote_closed",
            "vote": vote["id"],
            "question": "Thông qua phương án sơ tán?",
            "options": ["Đồng ý", "Không"],
            "counts": [2, 1],
            "total": 3,
        }
        await b.send(type="vote", vote=vote["id"], choice=0)
        await b.until(lambda: b.errors() == ["vote_closed"], "a late answer refused")

        # Per person: the chair, logged in, answers; a site's PC (no person) is no voter.
        await chair.chair("vote_open", question="Giao xã A chủ trì?", options=["Có", "Không", "Khác"], per="person")
        await a.until(lambda: len(a.of("vote_opened")) == 2, "the second vote")
        second = a.of("vote_opened")[1]["vote"]["id"]
        await chair.send(type="vote", vote=second, choice=2)
        await a.send(type="vote", vote=second, choice=0)
        await a.until(lambda: a.errors()[-1:] == ["not_voter"], "a site's PC refused")
        await chair.until(lambda: chair.of("vote_answered"), "the chair's answer accepted")
        await chair.chair("vote_close", vote=second)
        await b.until(lambda: len(b.of("vote_closed")) == 2, "the second results")
        assert b.of("vote_closed")[1]["counts"] == [0, 0, 1]
    await served.rooms.logs.flush()
    assert log_rows(served, world)["votes"] == [
        ("Thông qua phương án sơ tán?", [2, 1]),
        ("Giao xã A chủ trì?", [0, 0, 1]),
    ]
    with served.app.state.ctx.session() as session:
        answers = read.votes(session, world.meeting_id)[1][1]
        assert [(x.voter, x.person_id) for x in answers] == [(chair_pid(world), world.people.chair.id)]


async def test_a_confidential_meeting_is_not_recorded_without_the_override(served: Served, people: Directory) -> None:
    world = room_world(served.app, people)
    with served.app.state.ctx.session() as session:
        meeting = session.get(Meeting, world.meeting_id)
        assert meeting is not None
        meeting.confidential = True
        session.add(meeting)
        session.commit()
    world.open()
    async with signal(served, world.chair_token()) as chair:
        await chair.chair("record", value=True)
        await chair.until(lambda: chair.errors() == ["recording_confidential"], "the recording refused")
        assert "mật" in chair.of("error")[0]["message"]
        assert not served.rooms.recordings.active(f"meeting-{world.meeting_id}")
    with served.app.state.ctx.session() as session:
        assert read.recordings(session, world.meeting_id) == []


async def test_sites_without_the_chair_change_nothing(served: Served, people: Directory) -> None:
    world = room_world(served.app, people)
    world.open()
    async with (
        signal(served, world.chair_token()) as chair,
        signal(served, world.site_token(world.sites[0])) as d,
        signal(served, world.site_token(world.sites[1])) as a,
    ):
        room = room_of(served, world)
        a_id = pid(world, 1)
        # The convening district's site (may open and close) is no controller of the console either.
        for client in (a, d):
            await client.chair("floor", participant=a_id)
            await client.chair("mode", value="chaired")
            await client.chair("mute", participant=chair_pid(world), value=True)
            await client.chair("mute_all")
            await client.chair("vote_open", question="?", options=["x", "y"], per="site")
            await client.chair("roll_call", value=True)
            await client.chair("co_chair", participant=a_id, value=True)
            await client.chair("record", value=True)
        await a.until(lambda: len(a.errors()) == 8 and len(d.errors()) == 8, "the refusals")
        assert set(a.errors()) == set(d.errors()) == {"not_chair"}
        assert all(m["message"] for m in a.of("error"))
        # No site here has media: asking for the floor, or being given it, is refused.
        await a.send(type="hand", raised=True)
        await a.until(lambda: a.errors()[-1:] == ["not_connected"], "the request refused")
        await chair.chair("floor", participant=a_id)
        await chair.until(lambda: chair.errors() == ["not_connected"], "the floor refused")
        state = room.chairing
        assert (room.floor, room.chaired, room.hands, state.muted, state.vote, state.roll_open, state.co_chairs) == (
            None,
            False,
            [],
            set(),
            None,
            False,
            set(),
        )
        assert not served.rooms.recordings.active(room.key)
        # The chair names A co-chair: then A may use the console (but may not name others).
        await chair.chair("co_chair", participant=a_id, value=True)
        await a.until(lambda: a.of("console"), "A's console")
        await a.chair("mode", value="chaired")
        await a.chair("co_chair", participant=pid(world, 0), value=True)
        await a.until(lambda: a.errors()[-1:] == ["not_chair"], "A naming a co-chair refused")
        assert room.chaired and state.co_chairs == {a_id}
    await served.rooms.logs.flush()
    rows = log_rows(served, world)
    assert (rows["floor"], rows["votes"], rows["roll"]) == ([], [], [])
    assert rows["events"] == [("co_chair", a_id), ("mode", "")]


async def test_roll_call_and_agenda(served: Served, people: Directory) -> None:
    world = room_world(served.app, people)
    with served.app.state.ctx.session() as session:
        items = [
            AgendaItem(
                meeting_id=world.meeting_id, position=1, title="Tình hình bão", presenter="BCH PCTT", planned_minutes=15
            ),
            AgendaItem(meeting_id=world.meeting_id, position=2, title="Phương án sơ tán", planned_minutes=30),
        ]
        session.add_all(items)
        session.commit()
        first, second = (item.id for item in items)
    world.open()
    a_site, b_site = world.sites[1].id, world.sites[2].id
    assert a_site is not None and b_site is not None
    async with (
        signal(served, world.chair_token()) as chair,
        signal(served, world.site_token(world.sites[1])) as a,
        signal(served, world.site_token(world.sites[2])) as b,
    ):
        room = room_of(served, world)
        await a.send(type="roll_call", status="online", headcount=7, reason="")
        await a.until(lambda: a.errors() == ["roll_call_closed"], "an answer before the roll call refused")
        await chair.chair("roll_call", value=True)
        await a.until(lambda: {"type": "roll_call", "open": True} in a.messages, "the roll call open")
        await a.send(type="roll_call", status="online", headcount=7, reason="")
        await b.send(type="roll_call", status="absent", headcount=None, reason="Mất điện do bão")
        await chair.until(
            lambda: any(
                [s["roll_call"] and s["roll_call"]["status"] for s in c["sites"]][1:3] == ["online", "absent"]
                for c in chair.of("console")
            ),
            "the answers in the console",
        )
        await chair.chair("roll_call_set", site=a_site, status="in_person", headcount=9, reason="")
        await chair.chair("roll_call", value=False)
        await b.until(lambda: {"type": "roll_call", "open": False} in b.messages, "the roll call closed")
        await b.send(type="roll_call", status="online", headcount=3, reason="")
        await b.until(lambda: b.errors() == ["roll_call_closed"], "a late answer refused")
        assert room.chairing.roll[b_site]["status"] == "absent"
        roster = next(m for m in reversed(b.of("roster")))
        assert next(r for r in roster["participants"] if r["id"] == pid(world, 1))["roll_call"]["headcount"] == 9

        await chair.chair("agenda", item=first)
        await b.until(lambda: b.of("agenda"), "the agenda item at B")
        item = b.of("agenda")[0]["item"]
        assert (item["id"], item["title"], item["presenter"], item["planned_minutes"]) == (
            first,
            "Tình hình bão",
            "BCH PCTT",
            15,
        )
        await chair.chair("agenda", item=second)
        await chair.chair("agenda", item=999_999)
        await chair.until(lambda: chair.errors() == ["unknown_item"], "an item not on the agenda refused")
        assert room.chairing.agenda_item == second
    await served.rooms.logs.flush()
    rows = log_rows(served, world)
    assert sorted(rows["roll"]) == sorted([(a_site, "in_person", 9, True), (b_site, "absent", None, False)])
    # The room emptied and went: the agenda item's turn ended then.
    assert rows["agenda"] == [(first, True), (second, True)]
    assert [k for k, _ in rows["events"]] == ["roll_call_open", "roll_call_close", "room_emptied"]


async def test_a_chair_coming_back_finds_the_meeting_as_it_was(served: Served, people: Directory) -> None:
    """Everyone leaves a live meeting (a break, a cut at the district's hall) while a vote is open under an
    agenda item in chaired mode; the chair comes back to the same vote, item and mode, and the answers given
    before still count, once."""
    world = room_world(served.app, people)
    item_id = world.add_agenda_item("Phương án sơ tán", 30)
    world.open()
    key = f"meeting-{world.meeting_id}"
    async with (
        signal(served, world.chair_token()) as chair,
        signal(served, world.site_token(world.sites[1])) as a,
        signal(served, world.site_token(world.sites[2])) as b,
    ):
        await chair.chair("mode", value="chaired")
        await chair.chair("agenda", item=item_id)
        await chair.chair("roll_call", value=True)
        await chair.chair("co_chair", participant=pid(world, 2), value=True)
        await chair.chair("mute", participant=pid(world, 1), value=True)
        await chair.chair("vote_open", question="Thông qua phương án sơ tán?", options=["Đồng ý", "Không"], per="site")
        await a.until(lambda: a.of("vote_opened"), "the vote at A")
        vote_id = a.of("vote_opened")[0]["vote"]["id"]
        await a.send(type="vote", vote=vote_id, choice=1)
        await a.send(type="roll_call", status="online", headcount=5, reason="")
        await a.until(lambda: a.of("vote_answered"), "A's answer taken")
        await chair.until(lambda: room_of(served, world).chairing.roll, "A's roll-call answer")
        await asyncio.sleep(2)  # the item's first turn
    await wait_until(lambda: key not in served.rooms.rooms, 10, "the room gone")
    await asyncio.sleep(3)  # nobody in the room: the item's clock stands still

    async with signal(served, world.chair_token()) as chair:
        welcome = chair.of("welcome")[0]
        assert welcome["floor"] == {"type": "floor", "participant": None, "mode": "chaired"}
        assert welcome["vote"] == {
            "id": vote_id,
            "question": "Thông qua phương án sơ tán?",
            "options": ["Đồng ý", "Không"],
            "per": "site",
            "choice": None,  # the chair sits as themselves: no site's answer is theirs
        }
        assert welcome["roll_call"] == {"open": True}
        agenda = welcome["agenda"]
        assert (agenda["id"], agenda["title"]) == (item_id, "Phương án sơ tán")
        # The time of the first turn, not the time the room stood empty; a new turn from now.
        with served.app.state.ctx.session() as session:
            first = read.agenda_turns(session, world.meeting_id)[0]
        assert first.ended_at is not None and agenda["used_seconds"] >= 2
        assert agenda["used_seconds"] == round((first.ended_at - first.started_at).total_seconds())
        assert datetime.fromisoformat(agenda["started_at"]) >= first.ended_at + timedelta(seconds=2)
        await chair.until(lambda: chair.of("console"), "the console")
        console = chair.of("console")[-1]
        assert console["vote"]["counts"] == [0, 1] and console["vote"]["answered"] == [pid(world, 1)]
        assert console["sites"][1]["roll_call"]["headcount"] == 5
        room = room_of(served, world)
        assert room.chaired and room.chairing.co_chairs == {pid(world, 2)} and room.floor is None
        assert room.chairing.muted == {pid(world, 1)}  # A cannot undo the chair's mute by coming back
        async with (
            signal(served, world.site_token(world.sites[1])) as a,
            signal(served, world.site_token(world.sites[2])) as b,
        ):
            assert a.of("welcome")[0]["vote"]["choice"] == 1  # its page shows it answered
            await a.send(type="vote", vote=vote_id, choice=0)
            await a.until(lambda: a.errors() == ["already_voted"], "A's second answer refused")
            await b.send(type="vote", vote=vote_id, choice=0)
            await b.until(lambda: b.of("vote_answered"), "B's answer taken")
            await chair.chair("vote_close", vote=vote_id)
            await b.until(lambda: b.of("vote_closed"), "the results")
            assert (b.of("vote_closed")[0]["counts"], b.of("vote_closed")[0]["total"]) == ([1, 1], 2)
    await served.rooms.logs.flush()
    rows = log_rows(served, world)
    assert rows["votes"] == [("Thông qua phương án sơ tán?", [1, 1])]
    # One turn of the item before the room emptied, one after it was made again.
    assert rows["agenda"] == [(item_id, True), (item_id, True)]
    assert [k for k, _ in rows["events"]] == [
        "mode",
        "roll_call_open",
        "co_chair",
        "mute",
        "room_emptied",
        "room_emptied",
    ]


async def test_a_connected_site_cannot_report_itself_absent(served: Served, people: Directory) -> None:
    world = room_world(served.app, people)
    world.open()
    a_site, b_site = world.sites[1].id, world.sites[2].id
    a = served.bot(world.site_token(world.sites[1]), "a", size=(160, 120), fps=10, tone=False)
    try:
        async with signal(served, world.chair_token()) as chair, signal(served, world.site_token(world.sites[2])) as b:
            await wait_until(lambda: a.connected.is_set(), 40, "A connected")
            room = room_of(served, world)
            await wait_until(lambda: room.participants[pid(world, 1)].media == "connected", 20, "A's media")
            await chair.chair("roll_call", value=True)
            await b.until(lambda: {"type": "roll_call", "open": True} in b.messages, "the roll call open")
            # A's picture and sound are in the meeting: "absent" from it is refused, with why; "online" is taken.
            await a.send({"type": "roll_call", "status": "absent", "headcount": None, "reason": "Đi kiểm tra đê"})
            await wait_until(lambda: errors(a) == ["connected_absent"], 10, "A's absence refused")
            assert "không thể báo vắng mặt" in a.errors[0]["message"]
            assert a_site not in room.chairing.roll
            await a.send({"type": "roll_call", "status": "online", "headcount": 6, "reason": ""})
            await wait_until(lambda: a_site in room.chairing.roll, 10, "A's answer taken")
            # B is in the room without media (its camera failed, say): it may say it is absent.
            await b.send(type="roll_call", status="absent", headcount=None, reason="Mất điện do bão")
            await chair.until(lambda: b_site in room.chairing.roll, "B's answer taken")
            # The chair has the last word: A marked absent.
            await chair.chair("roll_call_set", site=a_site, status="absent", headcount=None, reason="Đi trực đê")
            await chair.until(lambda: room.chairing.roll[a_site]["status"] == "absent", "the chair's correction")
            assert chair.errors() == [] and b.errors() == []
    finally:
        await stop_all(a)
    await served.rooms.logs.flush()
    assert sorted(log_rows(served, world)["roll"]) == sorted(
        [(a_site, "absent", None, True), (b_site, "absent", None, False)]
    )


async def test_ending_the_meeting_closes_the_log(served: Served, people: Directory) -> None:
    world = room_world(served.app, people)
    item_id = world.add_agenda_item("Tình hình bão", 15)
    world.open()
    chair = served.bot(world.chair_token(), "chair", size=(160, 120), fps=10)
    a = served.bot(world.site_token(world.sites[1]), "a", size=(160, 120), fps=10, tone=False)
    a_id, c_id = pid(world, 1), chair_pid(world)
    try:
        await wait_until(lambda: chair.connected.is_set() and a.connected.is_set(), 40, "both connected")
        room = room_of(served, world)
        await wait_until(lambda: all(p.media == "connected" for p in room.participants.values()), 20, "media")
        await command(chair, "agenda", item=item_id)
        await command(chair, "floor", participant=a_id)
        await chair.send({"type": "chat", "text": "Mời xã phát biểu"})
        await wait_until(lambda: room.floor == a_id and room.chairing.agenda_item == item_id, 10, "floor, agenda")
        await command(chair, "close")
        await wait_until(lambda: chair.state == "ended" and a.state == "ended", 20, "everyone disconnected")
    finally:
        await stop_all(chair, a)
    await served.rooms.logs.flush()
    rows = log_rows(served, world)
    assert sorted(rows["presence"]) == [(c_id, "ended"), (a_id, "ended")]
    assert rows["floor"] == [(a_id, True)] and rows["agenda"] == [(item_id, True)]
    assert rows["events"][-1] == ("ended", "")
    with served.app.state.ctx.session() as session:
        [line] = read.chat(session, world.meeting_id)
        assert (line.participant, line.text) == (c_id, "Mời xã phát biểu")
        assert all(t.agenda_item_id == item_id for t in read.floor_turns(session, world.meeting_id))
        assert read.events(session, world.meeting_id)[-1].actor_id == world.people.chair.id


async def test_mutes_outlive_a_media_restart_and_the_log_tells_how_each_left(served: Served, people: Directory) -> None:
    world = room_world(served.app, people)
    world.open()
    chair = served.bot(world.chair_token(), "chair", size=(160, 120), fps=10, frequency=300)
    a = served.bot(world.site_token(world.sites[1]), "a", size=(160, 120), fps=10, frequency=700)
    b = served.bot(world.site_token(world.sites[2]), "b", size=(160, 120), fps=10, tone=False)
    again: Bot | None = None
    a_id, b_id, c_id = pid(world, 1), pid(world, 2), chair_pid(world)
    key = f"meeting-{world.meeting_id}"
    try:
        await wait_until(lambda: all(x.connected.is_set() for x in (chair, a, b)), 40, "everyone connected")
        room = room_of(served, world)
        await wait_until(lambda: all(p.media == "connected" for p in room.participants.values()), 20, "media")
        await command(chair, "mute", participant=a_id, value=True)
        await wait_until(lambda: a_id in room.chairing.muted, 10, "A muted")
        assert await heard(served, world, b) == {c_id}

        media_pid = served.rooms.media.pid
        assert media_pid is not None
        os.kill(media_pid, signals.SIGKILL)
        await wait_until(lambda: all(x.sessions == 2 for x in (chair, a, b)), 30, "everyone negotiating again")
        await wait_until(lambda: all(p.media == "connected" for p in room.participants.values()), 30, "media again")
        stats = (await served.rooms.media_call("stats", room=key))[key]
        assert stats[a_id]["paused"] == ["audio"]
        assert await heard(served, world, b) == {c_id}

        # A's site comes in from another machine: the first is replaced, and stays muted as the site.
        again = served.bot(world.site_token(world.sites[1]), "a again", size=(160, 120), fps=10, frequency=700)
        await wait_until(lambda: a.state == "replaced" and again is not None and again.connected.is_set(), 30, "A2")
        await wait_until(lambda: all(p.media == "connected" for p in room.participants.values()), 30, "A2 media")
        assert await heard(served, world, b) == {c_id}
    finally:
        await stop_all(chair, a, b, *([again] if again else []))
    await served.rooms.logs.flush()
    presence = log_rows(served, world)["presence"]
    assert [r for p, r in presence if p == a_id] == ["lost", "replaced", "left"]
    assert [r for p, r in presence if p == c_id] == ["lost", "left"]
    assert [r for p, r in presence if p == b_id] == ["lost", "left"]
