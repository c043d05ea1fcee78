"""Malformed and hostile RTP/RTCP: dropped and counted, the others unaffected, nothing left behind."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import struct
import threading

import pytest

from media import rtcp
from media.bench.sources import CounterVideoTrack
from media.server import MediaServer
from tests.media.peers import Site, wait_for

ROOM = "r"


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def threads() -> int:
    # The event loop's executor keeps its workers (the test peers' encoders ran there): not ours to count.
    return sum(1 for t in threading.enumerate() if not t.name.startswith("asyncio_"))


async def settle(predicate, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    for _ in range(int(timeout / 0.1)):
        if predicate():
            return True
        await asyncio.sleep(0.1)
    return bool(predicate())


async def test_hostile_packets_are_dropped_and_counted_and_nothing_leaks() -> None:
    await asyncio.sleep(0)
    tasks_before = len(asyncio.all_tasks())
    fds_before = open_fds()
    threads_before = threads()

    server = MediaServer()
    join = lambda name: lambda sdp: server.join(ROOM, name, sdp)  # noqa: E731
    chair = Site("chair", CounterVideoTrack(), slots=("video",))
    viewer = Site("viewer", slots=("video",))
    evil = Site("evil", CounterVideoTrack(), slots=("video",))
    for site in (chair, viewer, evil):
        await site.join(join(site.name))
    server.set_slot(ROOM, "viewer", "0", "chair", "0")
    server.set_slot(ROOM, "evil", evil.slots("video")[0], "chair", "0")
    server.set_slot(ROOM, "chair", chair.slots("video")[0], "evil", "0")  # what evil sends reaches a downtrack
    await wait_for(lambda: viewer.frames("0") >= 10 and evil.frames(evil.slots("video")[0]) >= 5, 10, "frames")

    dtls = evil.pc.getTransceivers()[0].sender.transport
    own_ssrc = evil.pc.getTransceivers()[0].sender._ssrc
    evil_pt = int(next(c.payloadType for c in evil.pc.getTransceivers()[0]._codecs if c.name == "VP8"))
    slot_ssrc = evil.slot_ssrc(evil.slots("video")[0])

    # Sequence numbers ahead of the real stream, each used once: the sender's own SRTP refuses replays.
    assert evil.sent is not None
    next_seq = [max(p[1] for p in evil.sent.packets if p[0] == own_ssrc) + 2000]

    def rtp(ssrc: int, payload: bytes, b0: int = 0x80, extra: bytes = b"", pt: int = evil_pt) -> bytes:
        next_seq[0] += 1
        return struct.pack("!BBHII", b0, pt, next_seq[0] & 0xFFFF, 1, ssrc) + extra + payload

    def hostile_rtp() -> list[bytes]:
        return [
            rtp(0xDEADBEEF, b"\x90\x80\x80\x01\x00" + bytes(50)),  # an SSRC it never declared
            rtp(own_ssrc, b"\x80"),  # a VP8 descriptor cut short
            rtp(own_ssrc, b"abc\x09", b0=0xA0),  # padding longer than the payload
            rtp(own_ssrc, b"x", b0=0x90, extra=b"\xbe\xde\x00\x01" + bytes([0x1F, 1, 2, 3])),  # element overflows
            rtp(own_ssrc, b"payload", pt=33),  # a payload type never negotiated
            rtp(own_ssrc, b""),  # a header and nothing else
        ]

    huge_nack = struct.pack("!BBHII", 0x81, 205, 2 + 300, 1, slot_ssrc) + b"".join(
        struct.pack("!HH", i * 17, 0xFFFF) for i in range(300)
    )
    hostile_rtcp = [
        huge_nack,
        rtcp.nack(1, 0xABCDEF01, [1, 2, 3]),  # about an SSRC the server never sent
        struct.pack("!BBHI", 0x85, 201, 1, 1),  # an RR announcing five report blocks, carrying none
        rtcp.picture_loss(1, 0x12345678),
    ]
    viewer_frames = viewer.frames("0")
    for _ in range(200):  # a flood: 1800 hostile packets over about 2 s
        for data in hostile_rtp() + hostile_rtcp:
            await dtls._send_rtp(data)
        await asyncio.sleep(0.01)
    # And datagrams that are not SRTP at all, at the server's port, from a stranger.
    candidate = next(x for x in evil.pc.remoteDescription.sdp.splitlines() if x.startswith("a=candidate"))
    host, port = candidate.split()[4], int(candidate.split()[5])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as stranger:
        for first in (0x00, 0x16, 0x80, 0xFF):
            stranger.sendto(bytes([first]) + os.urandom(200), (host, port))
        # Forged SRTP and SRTCP: well-formed headers, nothing that authenticates.
        for i in range(40):
            forged_rtp = struct.pack("!BBHII", 0x80, evil_pt, i, 1, own_ssrc) + os.urandom(200)
            forged_rtcp = struct.pack("!BBHI", 0x80, 200, 6, own_ssrc) + os.urandom(40)
            stranger.sendto(forged_rtp if i % 2 else forged_rtcp, (host, port))
    await asyncio.sleep(0.5)

    dropped = server.stats(ROOM)[ROOM]["evil"]["dropped"]
    for reason in (
        "unknown_ssrc",
        "vp8_truncated",
        "rtp_padding",
        "rtp_extension",
        "unknown_payload_type",
        "rtcp_nack_truncated",
        "rtcp_unknown_ssrc",
        "rtcp_truncated",
    ):
        assert dropped.get(reason, 0) >= 150, f"{reason} not counted: {dropped}"
    assert dropped.get("srtp_auth", 0) >= 20, f"forged SRTP not counted: {dropped}"
    slot_stats = server.stats(ROOM)[ROOM]["evil"]["slots"][evil.slots("video")[0]]
    assert slot_stats["retransmits"] <= 400 * 3, "the huge NACKs were answered without limit"
    # The others never noticed: the viewer kept decoding at the source's rate through the flood.
    assert viewer.frames("0") - viewer_frames >= 20
    assert server.stats(ROOM)[ROOM]["viewer"]["dropped"] == {}
    assert "internal_error" not in dropped

    for site in (chair, viewer, evil):
        await site.close()
    await server.close()
    assert await settle(lambda: len(asyncio.all_tasks()) <= tasks_before), asyncio.all_tasks()
    assert await settle(lambda: open_fds() <= fds_before), f"{open_fds()} fds open, {fds_before} before"
    assert await settle(lambda: threads() <= threads_before), threading.enumerate()


async def test_joining_and_leaving_again_and_again_leaves_nothing_behind() -> None:
    server = MediaServer()
    chair = Site("chair", CounterVideoTrack())
    await chair.join(lambda sdp: server.join(ROOM, "chair", sdp))
    await asyncio.sleep(0.2)
    tasks_before = len(asyncio.all_tasks())
    fds_before = open_fds()
    for i in range(4):
        viewer = Site(f"viewer-{i}", slots=("video",))
        await viewer.join(lambda sdp, i=i: server.join(ROOM, f"viewer-{i}", sdp))
        server.set_slot(ROOM, f"viewer-{i}", "0", "chair", "0")
        await wait_for(lambda v=viewer: v.frames("0") >= 2, 10, "frames")
        await server.leave(ROOM, f"viewer-{i}")
        await viewer.close()
    assert list(server.room(ROOM).participants) == ["chair"]
    assert not server.room(ROOM).participants["chair"].receivers["0"].downtracks
    assert await settle(lambda: len(asyncio.all_tasks()) <= tasks_before), asyncio.all_tasks()
    assert await settle(lambda: open_fds() <= fds_before)
    await chair.close()
    await server.close()


async def test_a_socket_closing_under_the_forwarding_path_is_survived(caplog: pytest.LogCaptureFixture) -> None:
    # aioice may close a socket (consent lost, peer vanished) a moment before the DTLS transport notices.
    server = MediaServer()
    chair = Site("chair", CounterVideoTrack())
    viewers = [Site(f"viewer-{i}", slots=("video",)) for i in range(2)]
    for site in (chair, *viewers):
        await site.join(lambda sdp, name=site.name: server.join(ROOM, name, sdp))
    for viewer in viewers:
        server.set_slot(ROOM, viewer.name, "0", "chair", "0")
    await wait_for(lambda: all(v.frames("0") >= 3 for v in viewers), 10, "frames")
    gone = server.room(ROOM).participants["viewer-0"]
    dtls = gone.pc.getTransceivers()[0].receiver.transport
    dtls.transport._connection._nominated[1].protocol.transport.close()
    frames = viewers[1].frames("0")
    await wait_for(lambda: viewers[1].frames("0") >= frames + 10, 10, "frames at the other viewer")
    # The server noticed and let the participant go, as if it had left.
    await wait_for(lambda: "viewer-0" not in server.room(ROOM).participants, 10, "viewer-0 disposed of")
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and "Traceback" in r.getMessage()]
    for site in (chair, *viewers):
        await site.close()
    # Everyone vanished without leaving: the server lets the room go by itself.
    await wait_for(lambda: not server.rooms, 10, "the empty room reaped")
    await server.close()
