"""Synthetic sites through the real signalling and the real media server process: who sees whom, last-N,
the lobby, replacement, chat and hands, and coming back after the media server dies."""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import UTC, datetime, timedelta

import pytest

from meetings import rooms as rooms_domain
from meetings.meeting import Meeting, MeetingState
from tests.web.conftest import Directory
from tests.web.room.conftest import RoomWorld, Served, room_world, stop_all
from web.room.bots import Bot, wait_until

pytestmark = pytest.mark.slow

# Light bots for the bigger rooms: small pictures at 5 frames a second, and (but for the one talking) no sound.
SMALL = {"size": (160, 120), "fps": 5}


def pid(world: RoomWorld, index: int) -> str:
    return f"site-{world.sites[index].id}"


async def forwarded(served: Served, world: RoomWorld) -> int:
    stats = await served.rooms.media_call("stats", room=f"meeting-{world.meeting_id}")
    return sum(p["packets_forwarded"] for p in stats[f"meeting-{world.meeting_id}"].values())


async def test_two_sites_see_each_other_and_a_late_third_gets_a_picture(served: Served, people: Directory) -> None:
    world = room_world(served.app, people)
    world.open()
    a = served.bot(world.site_token(world.sites[1]), "a")
    b = served.bot(world.site_token(world.sites[2]), "b", tone=False)
    late: Bot | None = None
    try:
        await wait_until(lambda: a.frames[pid(world, 2)] > 15 and b.frames[pid(world, 1)] > 15, 30, "each other")
        before = await forwarded(served, world)
        await asyncio.sleep(1.0)
        assert await forwarded(served, world) > before + 20
        late = served.bot(world.site_token(world.sites[0]), "late", tone=False)
        await wait_until(
            lambda: late is not None and late.seen(10) == {pid(world, 1), pid(world, 2)}, 30, "the late site's view"
        )
        # The district's room convenes the meeting: with no chair logged in it is everyone's main view.
        main = next(mid for mid, role in a.roles.items() if role == "main")
        assert a.layout[main] == pid(world, 0)
        # The tone makes "a" the active speaker, in the others' speaker view.
        await wait_until(lambda: b.speaker == pid(world, 1), 15, "a as the active speaker")
        speaker_view = next(mid for mid, role in b.roles.items() if role == "speaker")
        await wait_until(lambda: b.layout.get(speaker_view) == pid(world, 1), 10, "a in b's speaker view")
    finally:
        await stop_all(a, b, *([late] if late else []))


async def test_eleven_sites_all_see_each_other(served: Served, people: Directory) -> None:
    # Last-N of 10: the chair, the speaker and up to 10 others is everyone.
    world = room_world(served.app, people, extra_sites=8, last_n=10)
    world.open()
    bots = [
        served.bot(world.site_token(site), f"s{i}", tone=i == 0, audio=i == 0, **SMALL)  # type: ignore[arg-type]
        for i, site in enumerate(world.sites)
    ]
    ids = {f"site-{s.id}" for s in world.sites}
    try:
        await wait_until(
            lambda: all(b.id is not None and b.seen(5) == ids - {b.id} for b in bots), 90, "everyone seeing everyone"
        )
        stats = await served.rooms.media_call("stats", room=f"meeting-{world.meeting_id}")
        assert len(stats[f"meeting-{world.meeting_id}"]) == 11
    finally:
        await stop_all(*bots)


async def test_last_n_limits_what_each_site_receives(served: Served, people: Directory) -> None:
    world = room_world(served.app, people, extra_sites=3, last_n=2)
    world.open()
    # Only the first commune talks: it is the active speaker; the district's room is the chair's site.
    bots = [
        served.bot(world.site_token(site), f"s{i}", tone=i == 1, audio=i == 1, **SMALL)  # type: ignore[arg-type]
        for i, site in enumerate(world.sites)
    ]
    try:
        await wait_until(lambda: all(b.speaker == pid(world, 1) for b in bots), 30, "the speaker everywhere")
        # The chair's site sees the speaker as its main view and two others, the speaker sees the chair's site
        # and two others; the rest see the chair's site, the speaker and two of the three others.
        expected = {pid(world, 0): 3, pid(world, 1): 3}
        await wait_until(lambda: all(len(b.shown()) == expected.get(b.id or "", 4) for b in bots), 30, "layouts")
        for bot in bots:
            if bot.id in (pid(world, 0), pid(world, 1)):
                continue
            # Main view (the chair's site), speaker view, and two of the three others: not the fifth.
            assert pid(world, 0) in bot.shown() and pid(world, 1) in bot.shown()
            assert len(bot.shown() - {pid(world, 0), pid(world, 1)}) == 2
        stats = (await served.rooms.media_call("stats", room=f"meeting-{world.meeting_id}"))[
            f"meeting-{world.meeting_id}"
        ]
        for participant, figures in stats.items():
            sources = {
                s["source"].split("/")[0] for s in figures["slots"].values() if s["kind"] == "video" and s["source"]
            }
            assert len(sources) <= 4, (participant, sources)
        # What each bot decodes (read from the pictures) comes from what its layout shows, and nothing else.
        await asyncio.sleep(3)
        before = [dict(b.pictures) for b in bots]
        await asyncio.sleep(3)
        for bot, counts in zip(bots, before, strict=True):
            arriving = {p for p, n in bot.pictures.items() if n > counts.get(p, 0) + 3}
            assert arriving == bot.shown(), (bot.label, arriving, bot.shown())
    finally:
        await stop_all(*bots)


async def test_the_lobby_the_chair_opens_and_closes(served: Served, people: Directory) -> None:
    world = room_world(served.app, people)
    site = served.bot(world.site_token(world.sites[1]), "site")
    chair: Bot | None = None
    try:
        await wait_until(lambda: site.state == "lobby", 15, "the site waiting in the lobby")
        assert site.pc is None
        await site.send({"type": "chair", "action": "open"})
        await wait_until(lambda: any(e.get("code") == "not_chair" for e in site.errors), 10, "a refusal")
        chair = served.bot(world.chair_token(), "chair")
        await wait_until(lambda: chair is not None and chair.state == "joined", 20, "the chair's media, in the lobby")
        assert site.state == "lobby"
        await chair.send({"type": "chair", "action": "open"})
        await wait_until(lambda: site.seen(10) == {f"person-{people.chair.id}"}, 30, "the site seeing the chair")
        with served.app.state.ctx.session() as session:
            meeting = session.get(Meeting, world.meeting_id)
            assert meeting is not None and meeting.state == MeetingState.LIVE
        await chair.send({"type": "chair", "action": "close"})
        await wait_until(lambda: site.state == "ended" and chair is not None and chair.state == "ended", 15, "the end")
        closed = next(m for m in site.messages if m["type"] == "closed")
        assert closed["message"] == "Chủ trì đã kết thúc cuộc họp. Cảm ơn anh/chị đã tham dự."
        with served.app.state.ctx.session() as session:
            meeting = session.get(Meeting, world.meeting_id)
            assert meeting is not None and meeting.state == MeetingState.ENDED
        again = served.bot(world.site_token(world.sites[1]), "again")
        await wait_until(lambda: again.state == "refused", 10, "a refusal after the end")
        assert again.refusal == "Cuộc họp đã kết thúc, phòng họp đã đóng."
        await again.stop()
    finally:
        await stop_all(site, *([chair] if chair else []))


async def test_a_second_join_of_the_same_site_replaces_the_first_visibly(served: Served, people: Directory) -> None:
    world = room_world(served.app, people)
    world.open()
    first = served.bot(world.site_token(world.sites[1]), "first")
    other = served.bot(world.site_token(world.sites[2]), "other", tone=False)
    second: Bot | None = None
    try:
        await wait_until(lambda: other.seen(5) == {pid(world, 1)}, 30, "the first connection's picture")
        second = served.bot(world.site_token(world.sites[1]), "second")
        await wait_until(lambda: first.state == "replaced", 15, "the first connection told")
        replaced = next(m for m in first.messages if m["type"] == "replaced")
        assert "từ một máy khác" in replaced["message"]
        notices = [m["text"] for m in other.messages if m["type"] == "notice"]
        assert notices == ["Hội trường xã Bum Nưa vừa vào lại phòng từ một máy khác."]
        await wait_until(lambda: second is not None and second.seen(5) == {pid(world, 2)}, 30, "the second one's view")
        frames = other.frames[pid(world, 1)]
        await wait_until(lambda: other.frames[pid(world, 1)] > frames + 10, 20, "the second connection's picture")
        assert [p["id"] for p in other.roster].count(pid(world, 1)) == 1
    finally:
        await stop_all(first, other, *([second] if second else []))


async def test_chat_hands_and_screen_permission(served: Served, people: Directory) -> None:
    world = room_world(served.app, people)
    world.open()
    a = served.bot(world.site_token(world.sites[1]), "a", tone=False, **SMALL)  # type: ignore[arg-type]
    b = served.bot(world.site_token(world.sites[2]), "b", tone=False, **SMALL)  # type: ignore[arg-type]
    try:
        await wait_until(lambda: a.state == b.state == "joined", 20, "both in the room")
        await a.send({"type": "chat", "text": "  Xã Bum Nưa đã sẵn sàng.\x07 "})
        await wait_until(lambda: any(m["type"] == "chat" for m in b.messages), 10, "the chat line")
        line = next(m for m in b.messages if m["type"] == "chat")
        assert (line["from"], line["name"], line["text"]) == (
            pid(world, 1),
            "Hội trường xã Bum Nưa",
            "Xã Bum Nưa đã sẵn sàng.",
        )
        await a.send({"type": "chat", "text": "x" * 501})
        await wait_until(lambda: any(e["code"] == "chat_too_long" for e in a.errors), 10, "too long")
        await a.send({"type": "hand", "raised": True})
        await wait_until(
            lambda: any(p["id"] == pid(world, 1) and p["hand"] == 1 for p in b.roster), 10, "the raised hand"
        )
        await b.send({"type": "screen", "on": True})
        await wait_until(lambda: any(e["code"] == "share_not_allowed" for e in b.errors), 10, "no share")
        assert b.errors[-1]["message"] == "Chủ trì chưa cho phép điểm cầu này chia sẻ màn hình."
        # Still both there, still receiving.
        frames = a.frames[pid(world, 2)]
        await wait_until(lambda: a.frames[pid(world, 2)] > frames + 5, 10, "media still flowing")
    finally:
        await stop_all(a, b)


async def test_sites_come_back_by_themselves_after_the_media_server_dies(served: Served, people: Directory) -> None:
    world = room_world(served.app, people)
    world.open()
    a = served.bot(world.site_token(world.sites[1]), "a", **SMALL)  # type: ignore[arg-type]
    b = served.bot(world.site_token(world.sites[2]), "b", tone=False, **SMALL)  # type: ignore[arg-type]
    try:
        await wait_until(lambda: a.seen(10) == {pid(world, 2)} and b.seen(10) == {pid(world, 1)}, 30, "a picture")
        media_pid = served.rooms.media.pid
        assert media_pid is not None
        os.kill(media_pid, signal.SIGKILL)
        await wait_until(lambda: a.sessions == 2 and b.sessions == 2, 30, "both negotiating again")
        assert served.rooms.media.pid not in (None, media_pid)
        before_a, before_b = a.frames[pid(world, 2)], b.frames[pid(world, 1)]
        await wait_until(
            lambda: a.frames[pid(world, 2)] > before_a + 10 and b.frames[pid(world, 1)] > before_b + 10,
            30,
            "pictures again",
        )
        assert served.rooms.media.restarts == 1
    finally:
        await stop_all(a, b)


async def test_a_dropped_signalling_connection_comes_back_by_itself(served: Served, people: Directory) -> None:
    world = room_world(served.app, people)
    world.open()
    a = served.bot(world.site_token(world.sites[1]), "a", **SMALL)  # type: ignore[arg-type]
    b = served.bot(world.site_token(world.sites[2]), "b", tone=False, **SMALL)  # type: ignore[arg-type]
    try:
        await wait_until(lambda: a.seen(5) == {pid(world, 2)} and b.seen(5) == {pid(world, 1)}, 30, "a picture")
        # The server goes away under the site, as in a web server restart (1012) or a cut cable.
        room = served.rooms.rooms[f"meeting-{world.meeting_id}"]
        room.participants[pid(world, 1)].conn.close(1012)
        await wait_until(lambda: a.sessions == 2 and a.state == "joined", 30, "a back in the room")
        before = a.pictures[pid(world, 2)], b.pictures[pid(world, 1)]
        await wait_until(
            lambda: a.pictures[pid(world, 2)] > before[0] + 10 and b.pictures[pid(world, 1)] > before[1] + 10,
            30,
            "pictures both ways again",
        )
        assert [p["id"] for p in b.roster].count(pid(world, 1)) == 1
    finally:
        await stop_all(a, b)


async def test_the_meeting_opens_by_itself_at_the_start_time_when_the_chair_allowed_it(
    served: Served, people: Directory
) -> None:
    world = room_world(served.app, people)
    with served.app.state.ctx.session() as session:
        rooms_domain.set_auto_open(session, people.chair, world.meeting_id, True)
        meeting = session.get(Meeting, world.meeting_id)
        assert meeting is not None
        # Time has come (the meeting was published for half an hour later).
        meeting.start_at = datetime.now(UTC) - timedelta(seconds=5)
        session.add(meeting)
        session.commit()
    a = served.bot(world.site_token(world.sites[1]), "a", **SMALL)  # type: ignore[arg-type]
    b = served.bot(world.site_token(world.sites[2]), "b", tone=False, **SMALL)  # type: ignore[arg-type]
    try:
        await wait_until(lambda: "opened" in [m["type"] for m in a.messages], 20, "the meeting opening by itself")
        await wait_until(lambda: a.seen(5) == {pid(world, 2)}, 30, "the sites seeing each other")
        with served.app.state.ctx.session() as session:
            meeting = session.get(Meeting, world.meeting_id)
            assert meeting is not None and meeting.state == MeetingState.LIVE
    finally:
        await stop_all(a, b)
