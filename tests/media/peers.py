"""Real aiortc peers for the media tests: publishers, subscribers, and taps on their clear RTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiortc import RTCBundlePolicy, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack

from media.rtp import ExtensionIds, parse_rtp

Join = Callable[[str], Awaitable[dict[str, Any]]]


@dataclass
class Tap:
    """Clear RTP packets seen at one end: (ssrc, seq, timestamp, marker, payload)."""

    packets: list[tuple[int, int, int, int, bytes]] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)

    def payloads(self, ssrc: int | None = None) -> list[bytes]:
        return [p[4] for p in self.packets if ssrc is None or p[0] == ssrc]

    def ssrcs(self) -> set[int]:
        return {p[0] for p in self.packets}

    def frames(self, ssrc: int) -> int:
        return sum(1 for p in self.packets if p[0] == ssrc and p[3])


def _record(tap: Tap, data: bytes) -> None:
    if len(data) >= 12 and not 192 <= data[1] <= 223:
        try:
            packet = parse_rtp(data, ExtensionIds())
        except Exception:
            return
        tap.packets.append((packet.ssrc, packet.seq, packet.timestamp, packet.marker, bytes(packet.payload)))
        tap.arrivals.append(time.monotonic())


def tap_sent(pc: RTCPeerConnection) -> Tap:
    """Record every clear RTP packet ``pc`` sends (before SRTP protection)."""
    tap = Tap()
    dtls = pc.getTransceivers()[0].sender.transport
    original = dtls._send_rtp

    async def send_rtp(data: bytes) -> None:
        _record(tap, data)
        await original(data)

    dtls._send_rtp = send_rtp
    return tap


def tap_received(pc: RTCPeerConnection) -> Tap:
    """Record every clear RTP packet ``pc`` receives (after SRTP unprotection), then let aiortc have it."""
    tap = Tap()
    dtls = pc.getTransceivers()[0].receiver.transport
    original = dtls._handle_rtp_data

    async def handle(data: bytes, arrival_time_ms: int) -> None:
        _record(tap, data)
        await original(data, arrival_time_ms)

    dtls._handle_rtp_data = handle
    return tap


def publisher(*tracks: MediaStreamTrack, slots: tuple[str, ...] = ()) -> RTCPeerConnection:
    """A peer that sends ``tracks`` and has recvonly slots of the given kinds."""
    pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
    for track in tracks:
        pc.addTransceiver(track, direction="sendonly")
    for kind in slots:
        pc.addTransceiver(kind, direction="recvonly")
    return pc


def _same(sdp: str) -> str:
    return sdp


async def connect(
    pc: RTCPeerConnection,
    join: Join,
    rewrite_offer: Callable[[str], str] = _same,
    rewrite_answer: Callable[[str], str] = _same,
) -> dict[str, Any]:
    """Offer, have the server answer through ``join(offer)``, apply the answer (each optionally rewritten)."""
    await pc.setLocalDescription(await pc.createOffer())
    result = await join(rewrite_offer(pc.localDescription.sdp))
    await pc.setRemoteDescription(RTCSessionDescription(sdp=rewrite_answer(result["sdp"]), type="answer"))
    return result


async def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.05)


class Site:
    """A test participant: an aiortc peer that may publish and has receive slots, and counts what it decodes."""

    def __init__(self, name: str, *tracks: MediaStreamTrack, slots: tuple[str, ...] = ()) -> None:
        self.name = name
        self.pc = publisher(*tracks, slots=slots)
        self.decoded: dict[str, list[float]] = {}  # slot mid -> decode times
        self.decoded_frames: dict[str, list[Any]] = {}
        self.keep_frames = False
        self.readers: list[asyncio.Task[None]] = []
        self.result: dict[str, Any] = {}
        self.sent: Tap | None = None
        self.received: Tap | None = None

        @self.pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            mid = next(t.mid for t in self.pc.getTransceivers() if t.receiver.track is track)
            self.decoded[mid] = []
            self.decoded_frames[mid] = []
            self.readers.append(asyncio.ensure_future(self._read(mid, track)))

    async def _read(self, mid: str, track: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await track.recv()
            except Exception:
                return
            self.decoded[mid].append(time.monotonic())
            if self.keep_frames:
                self.decoded_frames[mid].append(frame)

    async def join(
        self, join: Join, rewrite_offer: Callable[[str], str] = _same, rewrite_answer: Callable[[str], str] = _same
    ) -> dict[str, Any]:
        self.result = await connect(self.pc, join, rewrite_offer, rewrite_answer)
        self.sent = tap_sent(self.pc)
        self.received = tap_received(self.pc)
        return self.result

    def track(self, kind: str) -> str:
        return next(t["mid"] for t in self.result["tracks"] if t["kind"] == kind)

    def slots(self, kind: str) -> list[str]:
        return [t["mid"] for t in self.result["slots"] if t["kind"] == kind]

    def slot_ssrc(self, mid: str) -> int:
        """The SSRC the server sends on for one of this site's slots, from the server's answer."""
        transceiver = next(t for t in self.pc.getTransceivers() if t.mid == mid)
        params = self.pc.remoteDescription.sdp
        section = params.split("m=")[int(transceiver._get_mline_index()) + 1]
        line = next(x for x in section.splitlines() if x.startswith("a=ssrc:"))
        return int(line.split()[0].split(":")[1])

    def frames(self, mid: str) -> int:
        return len(self.decoded.get(mid, []))

    async def close(self) -> None:
        await self.pc.close()
        for reader in self.readers:
            reader.cancel()
        await asyncio.gather(*self.readers, return_exceptions=True)
