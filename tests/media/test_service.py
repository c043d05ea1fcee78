"""The media server in its own process, driven through its control API as the web side will drive it."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from media.bench.sources import CounterVideoTrack, ToneAudioTrack
from media.client import MediaClient, MediaProcess
from media.errors import BadRequest, IncompatibleSlot, NegotiationError, UnknownParticipant, UnknownTrack
from tests.media.peers import Site, wait_for

Media = tuple[MediaProcess, MediaClient]


async def test_forwarding_through_the_process_creates_no_codec_there(media_process: Media) -> None:
    process, client = media_process
    events: list[tuple[str, dict[str, object]]] = []
    client.on_event = lambda name, data: events.append((name, data))
    chair = Site("chair", CounterVideoTrack(), ToneAudioTrack())
    commune = Site("xa", slots=("video", "audio"))
    await chair.join(lambda sdp: client.join("hop", "chair", sdp))
    await commune.join(lambda sdp: client.join("hop", "xa", sdp))
    for kind in ("video", "audio"):
        await client.set_slot("hop", "xa", commune.slots(kind)[0], "chair", chair.track(kind))
    await wait_for(lambda: commune.frames(commune.slots("video")[0]) >= 15, 10, "video through the process")

    inspected = await client.call("inspect")
    assert inspected["codecs"] == {"encoders": 0, "decoders": 0, "decoder_threads": 0}
    stats = await client.stats("hop")
    assert stats["hop"]["xa"]["packets_forwarded"] > 0
    assert stats["hop"]["xa"]["slots"][commune.slots("video")[0]]["source"] == f"chair/{chair.track('video')}"

    base = process.url.replace("ws://", "http://")
    async with httpx.AsyncClient() as http:
        assert (await http.get(base + "metrics")).status_code == 401
        metrics = await http.get(base + "metrics", headers={"Authorization": f"Bearer {process.token}"})
    assert metrics.status_code == 200
    assert 'giaoban_media_forwarded_packets_total{participant="xa",room="hop"}' in metrics.text

    forwarded = (await client.call("inspect"))["forwarded_packets"]
    assert forwarded > 0
    await client.leave("hop", "xa")
    await wait_for(lambda: any(name == "participant_left" for name, _ in events), 5, "the leave event")
    assert (await client.call("inspect"))["forwarded_packets"] >= forwarded  # a leave never lowers the total
    await chair.close()
    await commune.close()


async def test_bad_requests_are_refused_with_a_reason(media_process: Media) -> None:
    _, client = media_process
    with pytest.raises(NegotiationError):
        await client.join("hop", "xa", "v=0\r\nnot sdp at all\r\nm=video")
    with pytest.raises(BadRequest):
        await client.call("join", room="hop", participant="", sdp="x")
    with pytest.raises(BadRequest):
        await client.call("explode")
    with pytest.raises(UnknownParticipant):
        await client.leave("hop", "nobody")
    with pytest.raises(BadRequest):
        await client.call("set_paused", room="hop", participant="xa", kind="audio", paused="yes")

    chair = Site("chair", CounterVideoTrack())
    commune = Site("xa", slots=("audio",))
    await chair.join(lambda sdp: client.join("hop", "chair", sdp))
    await commune.join(lambda sdp: client.join("hop", "xa", sdp))
    with pytest.raises(IncompatibleSlot):
        await client.set_slot("hop", "xa", commune.slots("audio")[0], "chair", chair.track("video"))
    with pytest.raises(UnknownTrack):
        await client.set_slot("hop", "xa", "99", "chair", chair.track("video"))
    with pytest.raises(UnknownTrack):
        await client.set_paused("hop", "xa", "smell", True)
    # Nothing of the above disturbed the process.
    assert await client.call("ping") == "pong"
    await chair.close()
    await commune.close()


async def test_the_process_stops_cleanly() -> None:
    process = MediaProcess()
    url = await process.start()
    client = MediaClient(url, process.token)
    await client.connect()
    assert await client.call("ping") == "pong"
    code = await process.stop()
    assert code == 0
    with pytest.raises(ConnectionError):
        await asyncio.wait_for(client.call("ping"), 5)
    await client.close()


async def test_the_process_exits_when_its_parent_goes_away() -> None:
    process = MediaProcess()
    await process.start()
    assert process.process is not None and process.process.stdin is not None
    process.process.stdin.close()  # what the kernel does when the web app dies
    assert await asyncio.wait_for(process.process.wait(), 15) == 0
    await process.stop()
