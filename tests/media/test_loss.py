"""2 % loss between the server and a subscriber: the server's retransmissions keep the video flowing."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from media.bench.sources import CounterVideoTrack
from media.server import MediaServer
from tests.media.peers import Site, wait_for
from tests.media.relay import LossyRelay

SECONDS = 8.0


@pytest.mark.slow
async def test_video_keeps_flowing_with_two_percent_loss_toward_a_subscriber(media_server: MediaServer) -> None:
    chair = Site("chair", CounterVideoTrack(width=640, height=352))
    await chair.join(lambda sdp: media_server.join("r", "chair", sdp))
    host = next(x for x in chair.pc.remoteDescription.sdp.splitlines() if x.startswith("a=candidate")).split()[4]
    relay = LossyRelay(loss=0.02, seed=7)
    await relay.start(host)
    viewer = Site("xa-xa", slots=("video",))
    await viewer.join(lambda sdp: media_server.join("r", "xa-xa", sdp), relay.rewrite_offer, relay.rewrite_answer)
    media_server.set_slot("r", "xa-xa", "0", "chair", "0")
    await wait_for(lambda: viewer.frames("0") >= 1, 10, "the first frame through the lossy path")
    start = viewer.decoded["0"][-1]
    await asyncio.sleep(SECONDS)

    times = [t for t in viewer.decoded["0"] if t >= start]
    longest_freeze = max(b - a for a, b in itertools.pairwise(times))
    slot = media_server.stats("r")["r"]["xa-xa"]["slots"]["0"]
    print(
        f"\n2% loss: {len(times)} frames in {SECONDS} s, longest freeze {longest_freeze * 1000:.0f} ms, "
        f"{relay.dropped} packets dropped, {slot['retransmits']} retransmitted"
    )
    assert relay.dropped >= 4, "the relay did not drop anything: the test proves nothing"
    assert slot["retransmits"] >= relay.dropped * 0.8
    assert len(times) >= SECONDS * 15 * 0.8
    assert longest_freeze < 1.0
    relay.close()
    await viewer.close()
    await chair.close()
