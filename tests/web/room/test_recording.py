"""Recording a meeting with real aiortc peers, the real signalling and media server, and the recorder process:
the file's frames and audio, the hidden seat, the indicator, confidential meetings, and the meeting page."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from array import array
from datetime import UTC, datetime
from pathlib import Path

import av
import httpx
import pytest
from av import VideoFrame
from sqlmodel import col, select

from meetings.log.tables import MeetingEvent, Recording
from meetings.meeting import Meeting
from tests.web.conftest import PASSWORD, Directory, csrf_of
from tests.web.room.conftest import RoomWorld, Served, room_world, stop_all
from web.room.bot_media import read_tag, tag_of
from web.room.bots import wait_until
from web.room.recording import Recordings
from web.room.tokens import recorder_token

pytestmark = pytest.mark.slow


def recordings_of(served: Served) -> Recordings:
    recordings = served.rooms.recordings
    assert isinstance(recordings, Recordings)
    return recordings


def record(value: bool, *, override: bool = False) -> dict[str, object]:
    return {"type": "chair", "action": "record", "value": value, "override": override}


def rows(served: Served, world: RoomWorld) -> list[Recording]:
    with served.app.state.ctx.session() as session:
        query = select(Recording).where(Recording.meeting_id == world.meeting_id).order_by(col(Recording.id))
        return list(session.exec(query).all())


def tag_in(frame: VideoFrame) -> int | None:
    """The tag of the bot whose picture a recorded frame shows: the bots' 320×240 pictures are fitted into
    640×360 as 480×360, 80 pixels from the left."""
    picture = frame.to_image().crop((80, 0, 560, 360)).resize((320, 240))  # type: ignore[no-untyped-call]
    return read_tag(VideoFrame.from_image(picture).reformat(format="yuv420p"))  # type: ignore[no-untyped-call]


def decoded(path: Path) -> tuple[int, float, int, list[int | None]]:
    """(video frames, seconds of audio, loudest audio sample, the tag shown at each second) as PyAV reads."""
    frames, tags = 0, []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if frames % 15 == 0:
                tags.append(tag_in(frame))
            frames += 1
    samples, loudest, rate = 0, 0, 48000
    resampler = av.AudioResampler(format="s16", layout="mono")
    with av.open(str(path)) as container:
        for audio in container.decode(audio=0):
            samples += audio.samples
            rate = audio.sample_rate
            for pcm in resampler.resample(audio):
                loudest = max(loudest, *(abs(s) for s in array("h", bytes(pcm.planes[0])[: pcm.samples * 2])))
    return frames, samples / rate, loudest, tags


async def log_in(client: httpx.AsyncClient, username: str) -> None:
    token = csrf_of((await client.get("/login")).text)
    response = await client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303, response.text


async def test_a_twenty_second_recording(served: Served, people: Directory) -> None:
    world = room_world(served.app, people)
    world.open()
    chair = served.bot(world.chair_token(), "chair", tone=False)
    a = served.bot(world.site_token(world.sites[1]), "a", frequency=440)
    b = served.bot(world.site_token(world.sites[2]), "b", tone=False)
    bots = (chair, a, b)
    recordings = recordings_of(served)
    try:
        await wait_until(lambda: all(len(x.seen(10)) == 2 for x in bots), 40, "everyone seeing the others")
        key = f"meeting-{world.meeting_id}"
        # A site may not record.
        await b.send(record(True))
        await wait_until(lambda: any(e["code"] == "not_chair" for e in b.errors), 10, "the site's refusal")
        assert not recordings.active(key)
        await chair.send(record(True))
        await wait_until(lambda: recordings.active(key), 10, "the recorder started")
        await asyncio.wait_for(recordings.running[key].started.wait(), 30)
        await wait_until(lambda: all({"type": "recording", "on": True} in x.messages for x in bots), 10, "the news")
        # Site a speaks (its tone): it is recorded. Then the chair gives site b the floor: b is recorded.
        await asyncio.sleep(10)
        await chair.send({"type": "chair", "action": "floor", "participant": b.id})
        await asyncio.sleep(10)
        await chair.send(record(False))
        await wait_until(lambda: all({"type": "recording", "on": False} in x.messages for x in bots), 40, "the end")
        assert not recordings.active(key)
        # The recorder took a hidden seat: nobody ever saw it in the roster.
        for bot in bots:
            for message in bot.messages:
                if message["type"] in ("roster", "welcome"):
                    listed = message["participants" if message["type"] == "roster" else "roster"]
                    assert "recorder" not in {p["id"] for p in listed}
    finally:
        await stop_all(*bots)

    [row] = rows(served, world)
    assert row.status == "done"
    assert row.started_by_id == people.chair.id and not row.confidential_override
    path = served.app.state.ctx.settings.data_dir / row.filename
    assert row.filename.startswith(f"recordings/meeting-{world.meeting_id}-") and row.filename.endswith(".mp4")
    assert path.is_file() and row.size_bytes == path.stat().st_size
    assert not list(path.parent.glob("*.part"))
    assert row.duration_s is not None and 19.0 <= row.duration_s <= 21.5
    frames, seconds, loudest, tags = await asyncio.to_thread(decoded, path)
    assert 285 <= frames <= 315, frames
    assert 19.0 <= seconds <= 21.0, seconds
    assert loudest > 1000, "the tone of the site being heard"
    assert a.id is not None and b.id is not None
    # Allow a few seconds at the start (the speaker view's first keyframe) and after the switch (on a loaded
    # machine the new main view's keyframe took 4 s to reach the recorder).
    assert tags[3:9] == [tag_of(a.id)] * 6, tags
    assert tags[15:19] == [tag_of(b.id)] * 4, tags

    # Listed on the meeting page and downloadable by the chair.
    async with httpx.AsyncClient(base_url=served.url) as client:
        await log_in(client, "chutich")
        page = (await client.get(f"/meetings/{world.meeting_id}")).text
        link = f"/meetings/{world.meeting_id}/recordings/{row.id}"
        assert link in page
        download = await client.get(link)
        assert download.status_code == 200 and download.content == path.read_bytes()


async def test_a_confidential_meeting_is_recorded_only_with_the_chairs_override(
    served: Served, people: Directory
) -> None:
    world = room_world(served.app, people)
    with served.app.state.ctx.session() as session:
        meeting = session.get(Meeting, world.meeting_id)
        assert meeting is not None
        meeting.confidential = True
        session.add(meeting)
        session.commit()
    world.open()
    chair = served.bot(world.chair_token(), "chair")
    recordings = recordings_of(served)
    try:
        await wait_until(lambda: chair.state == "joined", 30, "the chair in the room")
        key = f"meeting-{world.meeting_id}"
        await chair.send(record(True))
        await wait_until(lambda: any(e["code"] == "recording_confidential" for e in chair.errors), 10, "a refusal")
        assert not recordings.active(key) and rows(served, world) == []
        await chair.send(record(True, override=True))
        await wait_until(lambda: recordings.active(key), 10, "the recorder started")
        await asyncio.wait_for(recordings.running[key].started.wait(), 30)
        await asyncio.sleep(2)
        await chair.send(record(False))
        await wait_until(lambda: not recordings.active(key), 40, "the recording stopped")
        # Not enough room on the disk: refused, and the attempt is kept as a failed recording; nothing was
        # recorded, so no override is logged for it.
        recordings.min_free_bytes = 2**62
        await chair.send(record(True, override=True))
        await wait_until(lambda: any(e["code"] == "recording_unavailable" for e in chair.errors), 10, "a refusal")
        assert not recordings.active(key)
    finally:
        await stop_all(chair)
    row, full = rows(served, world)
    assert full.status == "failed" and full.ended_at is not None
    assert row.status == "done" and row.confidential_override
    with served.app.state.ctx.session() as session:
        [event] = session.exec(
            select(MeetingEvent)
            .where(MeetingEvent.meeting_id == world.meeting_id, MeetingEvent.kind == "recording_override")
            .order_by(col(MeetingEvent.id))
        ).all()
    assert event.actor_id == people.chair.id and event.at == row.started_at
    assert json.loads(event.detail_json) == {"filename": row.filename, "by": "chair"}


async def test_a_crashed_recorder_leaves_a_failed_recording_and_the_meeting_end_finishes_one(
    served: Served, people: Directory
) -> None:
    world = room_world(served.app, people)
    world.open()
    chair = served.bot(world.chair_token(), "chair")
    site = served.bot(world.site_token(world.sites[1]), "a", tone=False)
    recordings = recordings_of(served)
    key = f"meeting-{world.meeting_id}"
    try:
        await wait_until(lambda: chair.seen(5) and site.seen(5), 30, "the two in the room")
        # The recorder's token admits nobody while the room is not being recorded.
        ctx = served.app.state.ctx
        spy = served.bot(recorder_token(ctx.secret_key, world.meeting_id, now=datetime.now(UTC)), "spy")
        await wait_until(lambda: spy.state == "refused", 10, "the refusal")
        await spy.stop()
        await chair.send(record(True))
        await wait_until(lambda: recordings.active(key), 10, "the recorder started")
        await asyncio.wait_for(recordings.running[key].started.wait(), 30)
        await asyncio.sleep(1)
        os.kill(recordings.running[key].process.pid, signal.SIGKILL)
        await wait_until(lambda: not recordings.active(key), 20, "the crash noticed")
        await wait_until(lambda: {"type": "recording", "on": False} in site.messages, 10, "the indicator off")
        await wait_until(
            lambda: [m for m in chair.messages if m["type"] == "console"][-1]["recording"] is False,
            10,
            "the chair's console told",
        )
        [failed] = rows(served, world)
        assert failed.status == "failed" and failed.ended_at is not None and failed.size_bytes is None
        assert not list((served.app.state.ctx.settings.data_dir / "recordings").iterdir()), "no half file left"

        # Recording again; the chair ends the meeting: the file is finished.
        await chair.send(record(True))
        await wait_until(lambda: recordings.active(key), 10, "the recorder started again")
        await asyncio.wait_for(recordings.running[key].started.wait(), 30)
        await asyncio.sleep(3)
        await chair.send({"type": "chair", "action": "close"})
        await wait_until(lambda: site.state == "ended" and not recordings.active(key), 40, "the end")
    finally:
        await stop_all(chair, site)
    failed_again, done = rows(served, world)
    assert failed_again.status == "failed"
    assert done.status == "done" and done.duration_s is not None and 2.5 <= done.duration_s <= 10
    assert (served.app.state.ctx.settings.data_dir / done.filename).is_file()
