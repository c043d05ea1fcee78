"""The benchmark's sites: aiortc peer connections whose RTP the benchmark handles itself, cheaply.

A replaying publisher sends the pre-encoded clip (answering NACKs from its own history, and PLIs by
jumping to the clip's next keyframe); a counting subscriber counts complete frames at the RTP level,
without decoding, and asks for lost packets and keyframes as a browser would.
"""

from __future__ import annotations

import asyncio
import struct
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiortc import RTCBundlePolicy, RTCConfiguration, RTCPeerConnection, RTCRtpTransceiver, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtcrtpparameters import RTCRtpReceiveParameters, RTCRtpSendParameters

from media import rtcp
from media.bench.clip import EncodedFrame, vp8_payloads
from media.clock import ntp_now
from media.codecs import is_rtx
from media.errors import MalformedPacket
from media.rtp import URI_ABS_SEND_TIME, URI_AUDIO_LEVEL, URI_MID, ExtensionIds, abs_send_time_now, parse_rtp
from media.wire import Wire, bundle_transport

Join = Callable[[str], Awaitable[dict[str, Any]]]
# As a browser does: ask again every 60 ms, six times at most; with too much missing, ask for a keyframe instead.
NACK_RETRIES = 6
NACK_INTERVAL = 0.06
MAX_MISSING = 150
PLI_INTERVAL = 0.5

MAX_BUNDLE = RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)


@dataclass
class Frame:
    seen: float
    keyframe: bool = False
    start: int = -1
    end: int = -1
    count: int = 0
    complete: float = 0.0


class StreamCounter:
    """One received stream at the RTP level: packets, complete frames, losses asked for again."""

    def __init__(self, kind: str, label: str, ssrc: int, rtx_ssrc: int | None) -> None:
        self.kind = kind
        self.label = label
        self.ssrc = ssrc
        self.rtx_ssrc = rtx_ssrc
        self.packets = 0
        self.window_packets = 0
        self.in_window = False
        self.first_frame: float | None = None
        self.frames: dict[int, Frame] = {}
        self.done: list[Frame] = []  # frames no longer being assembled, in the order first seen
        self._received: set[int] = set()
        self._max_seq = -1
        self.missing: dict[int, list[float]] = {}
        self.gave_up = 0
        self.keyframe_wanted = False
        self.last_pli = 0.0

    def on_packet(self, seq: int, timestamp: int, marker: int, payload: bytes, now: float) -> None:
        self.packets += 1
        if self.in_window:
            self.window_packets += 1
        if seq in self._received:
            return
        self._received.add(seq)
        self.missing.pop(seq, None)
        if self._max_seq < 0:
            self._max_seq = seq
        else:
            delta = (seq - self._max_seq) & 0xFFFF
            if 0 < delta < 0x8000:
                if delta < 300:
                    for gap in range(1, delta):
                        self.missing[(self._max_seq + gap) & 0xFFFF] = [now, 0]
                if delta >= 300 or len(self.missing) > MAX_MISSING:
                    self.missing.clear()
                    self.keyframe_wanted = True
                self._max_seq = seq
        if len(self._received) > 4096:
            floor = self._max_seq
            self._received = {s for s in self._received if (floor - s) & 0xFFFF < 2048}
        if self.kind != "video":
            if self.first_frame is None:
                self.first_frame = now
            return
        frame = self.frames.get(timestamp)
        if frame is None:
            frame = self.frames[timestamp] = Frame(seen=now)
        frame.count += 1
        if payload and payload[0] & 0x10 and not payload[0] & 0x07:
            frame.start = seq
            # VP8 payload header after a 4-byte descriptor (what aiortc's and our packetizers write).
            size = _descriptor_size(payload)
            frame.keyframe = len(payload) > size and not payload[size] & 0x01
        if marker:
            frame.end = seq
        if frame.start >= 0 and frame.end >= 0 and frame.count == ((frame.end - frame.start) & 0xFFFF) + 1:
            frame.complete = now
            if self.first_frame is None:
                self.first_frame = now
        if len(self.frames) > 64:
            self._retire(now)

    def _retire(self, now: float) -> None:
        for timestamp, frame in list(self.frames.items()):
            if frame.complete or now - frame.seen > 2.0:
                self.done.append(frame)
                del self.frames[timestamp]
        if not self.in_window and len(self.done) > 200:
            del self.done[:-50]

    def due_nacks(self, now: float) -> list[int]:
        ask = []
        for seq, state in list(self.missing.items()):
            if state[0] > now:
                continue
            if state[1] >= NACK_RETRIES:
                del self.missing[seq]
                self.gave_up += 1
                self.keyframe_wanted = True
                continue
            state[1] += 1
            state[0] = now + NACK_INTERVAL
            ask.append(seq)
        return ask[:200]

    def window_frames(self) -> list[Frame]:
        self._retire(time.monotonic() + 10)
        return self.done


def _descriptor_size(payload: bytes) -> int:
    size = 1
    if payload[0] & 0x80 and len(payload) > 1:
        ext = payload[1]
        size = 2
        if ext & 0x80 and len(payload) > 2:
            size += 2 if payload[2] & 0x80 else 1
        if ext & 0x40:
            size += 1
        if ext & 0x30:
            size += 1
    return size


@dataclass
class Outgoing:
    """What was negotiated for one of the site's own streams."""

    kind: str
    mid: str
    ssrc: int
    payload_type: int
    rtx_ssrc: int | None = None
    rtx_payload_type: int | None = None
    ids: ExtensionIds = field(default_factory=ExtensionIds)


class ReplayPublisher:
    """Sends the clip on one video and one audio stream, as a camera and microphone would."""

    def __init__(self, video: list[EncodedFrame], audio: list[bytes], offset: int) -> None:
        self.video_clip = video
        self.audio_clip = audio
        self.video: Outgoing | None = None
        self.audio: Outgoing | None = None
        self.wire: Wire | None = None
        self._frame = offset % len(video)
        self._audio_index = offset % len(audio)
        self._picture_id = (offset * 997) & 0x7FFF
        self._seq = {"video": offset * 101 & 0x7FFF, "audio": offset * 211 & 0x7FFF, "rtx": offset * 307 & 0x7FFF}
        self._ts = {"video": offset * 90000, "audio": offset * 48000}
        self._history: dict[int, bytes] = {}
        self._octets = {"video": 0, "audio": 0}
        self._count = {"video": 0, "audio": 0}

    def _extensions(self, stream: Outgoing, audio_level: bool) -> bytes:
        body = b""
        if stream.ids.mid:
            mid = stream.mid.encode()
            body += bytes([(stream.ids.mid << 4) | (len(mid) - 1)]) + mid
        if stream.ids.abs_send_time and not audio_level:
            body += bytes([(stream.ids.abs_send_time << 4) | 2]) + abs_send_time_now(ntp_now())
        if stream.ids.audio_level and audio_level:
            body += bytes([stream.ids.audio_level << 4, 0x80 | 30])
        if not body:
            return b""
        body += b"\x00" * (-len(body) % 4)
        return struct.pack("!HH", 0xBEDE, len(body) // 4) + body

    def send_video_frame(self) -> None:
        stream, wire = self.video, self.wire
        if stream is None or wire is None or not wire.connected:
            return
        frame = self.video_clip[self._frame]
        self._frame = (self._frame + 1) % len(self.video_clip)
        payloads = vp8_payloads(frame.data, self._picture_id)
        self._picture_id = (self._picture_id + 1) & 0x7FFF
        ext = self._extensions(stream, False)
        timestamp = self._ts["video"] & 0xFFFFFFFF
        for i, payload in enumerate(payloads):
            seq = self._seq["video"]
            self._seq["video"] = (seq + 1) & 0xFFFF
            marker = 0x80 if i == len(payloads) - 1 else 0
            head = struct.pack(
                "!BBHII", 0x90 if ext else 0x80, marker | stream.payload_type, seq, timestamp, stream.ssrc
            )
            packet = head + ext + payload
            self._history[seq] = packet
            wire.send_rtp(packet)
            self._octets["video"] += len(payload)
            self._count["video"] += 1
        if len(self._history) > 600:
            for old in list(self._history)[:100]:
                del self._history[old]
        self._ts["video"] += 90000 // 15

    def send_audio(self) -> None:
        stream, wire = self.audio, self.wire
        if stream is None or wire is None or not wire.connected:
            return
        payload = self.audio_clip[self._audio_index]
        self._audio_index = (self._audio_index + 1) % len(self.audio_clip)
        ext = self._extensions(stream, True)
        seq = self._seq["audio"]
        self._seq["audio"] = (seq + 1) & 0xFFFF
        head = struct.pack(
            "!BBHII", 0x90 if ext else 0x80, stream.payload_type, seq, self._ts["audio"] & 0xFFFFFFFF, stream.ssrc
        )
        wire.send_rtp(head + ext + payload)
        self._octets["audio"] += len(payload)
        self._count["audio"] += 1
        self._ts["audio"] += 960

    def on_feedback(self, item: rtcp.Feedback) -> None:
        video = self.video
        if video is None or self.wire is None:
            return
        if isinstance(item, rtcp.KeyframeRequest) and item.media_ssrc == video.ssrc:
            # The next frame sent is the clip's next keyframe: decoders need nothing before it.
            while not self.video_clip[self._frame].keyframe:
                self._frame = (self._frame + 1) % len(self.video_clip)
        elif isinstance(item, rtcp.Nack) and item.media_ssrc == video.ssrc:
            for seq in item.sequences[:64]:
                packet = self._history.get(seq)
                if packet is None:
                    continue
                if video.rtx_ssrc is not None and video.rtx_payload_type is not None:
                    rtx_seq = self._seq["rtx"]
                    self._seq["rtx"] = (rtx_seq + 1) & 0xFFFF
                    header_size = 12 + (4 + 4 * ((packet[14] << 8) | packet[15]) if packet[0] & 0x10 else 0)
                    head = bytearray(packet[:header_size])
                    head[1] = (head[1] & 0x80) | video.rtx_payload_type
                    head[2:4] = rtx_seq.to_bytes(2, "big")
                    head[8:12] = video.rtx_ssrc.to_bytes(4, "big")
                    self.wire.send_rtp(bytes(head) + seq.to_bytes(2, "big") + packet[header_size:])
                else:
                    self.wire.send_rtp(packet)

    def sender_reports(self) -> bytes:
        ntp = ntp_now()
        data = b""
        for kind, stream in (("video", self.video), ("audio", self.audio)):
            if stream is not None:
                timestamp = self._ts[kind] & 0xFFFFFFFF
                data += rtcp.sender_report(stream.ssrc, ntp, timestamp, self._count[kind], self._octets[kind])
        return data


class BenchSite:
    """One site of the benchmark: an aiortc peer connection, publishing (replayed or live) and receiving."""

    def __init__(
        self,
        name: str,
        *,
        replay: ReplayPublisher | None = None,
        live_tracks: tuple[MediaStreamTrack, ...] = (),
        video_slots: int = 0,
        audio_slots: int = 0,
    ) -> None:
        self.name = name
        self.replay = replay
        self.pc = RTCPeerConnection(MAX_BUNDLE)
        self.counters: dict[str, StreamCounter] = {}
        self.result: dict[str, Any] = {}
        self.join_requested = 0.0
        self.wire: Wire | None = None
        self._stock_rtcp: Callable[[bytes], Awaitable[None]] | None = None
        self._rtcp_ssrc = 0
        self._taken: set[RTCRtpTransceiver] = set()
        self._by_ssrc: dict[int, StreamCounter] = {}
        self._by_rtx: dict[int, StreamCounter] = {}
        self._live = bool(live_tracks)
        self._pending: set[asyncio.Future[None]] = set()
        if replay is not None:
            for kind in ("video", "audio"):
                self._take(self.pc.addTransceiver(kind, direction="sendonly"))
        for track in live_tracks:
            self.pc.addTransceiver(track, direction="sendonly")
        for kind, count in (("video", video_slots), ("audio", audio_slots)):
            for _ in range(count):
                self._take(self.pc.addTransceiver(kind, direction="recvonly"))

    def _take(self, transceiver: RTCRtpTransceiver) -> None:
        self._taken.add(transceiver)

        async def send(parameters: RTCRtpSendParameters) -> None:
            self._on_send(transceiver, parameters)

        async def receive(parameters: RTCRtpReceiveParameters) -> None:
            self._on_receive(transceiver, parameters)

        setattr(transceiver.sender, "send", send)  # noqa: B010
        setattr(transceiver.receiver, "receive", receive)  # noqa: B010

    def _on_send(self, transceiver: RTCRtpTransceiver, params: RTCRtpSendParameters) -> None:
        if self.replay is None:
            return
        media = next(c for c in params.codecs if not is_rtx(c))
        rtx = next((c for c in params.codecs if is_rtx(c) and c.parameters.get("apt") == media.payloadType), None)
        ids = ExtensionIds.from_uris(
            [(e.id, e.uri) for e in params.headerExtensions if e.uri in (URI_MID, URI_AUDIO_LEVEL, URI_ABS_SEND_TIME)]
        )
        stream = Outgoing(
            kind=transceiver.kind,
            mid=transceiver.mid or "",
            ssrc=transceiver.sender._ssrc,
            payload_type=media.payloadType or 0,
            rtx_ssrc=transceiver.sender._rtx_ssrc if rtx is not None else None,
            rtx_payload_type=rtx.payloadType if rtx is not None else None,
            ids=ids,
        )
        if transceiver.kind == "video":
            self.replay.video = stream
        else:
            self.replay.audio = stream

    def _on_receive(self, transceiver: RTCRtpTransceiver, params: RTCRtpReceiveParameters) -> None:
        if not params.encodings:
            return
        encoding = params.encodings[0]
        counter = StreamCounter(
            transceiver.kind,
            f"{self.name}/{transceiver.mid}",
            encoding.ssrc,
            encoding.rtx.ssrc if encoding.rtx else None,
        )
        self.counters[transceiver.mid or ""] = counter
        self._by_ssrc[encoding.ssrc] = counter
        if counter.rtx_ssrc is not None:
            self._by_rtx[counter.rtx_ssrc] = counter

    async def join(self, join: Join) -> dict[str, Any]:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        self.join_requested = time.monotonic()
        self.result = await join(self.pc.localDescription.sdp)
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=self.result["sdp"], type="answer"))
        # aiortc starts the transports after this returns: install the hooks before it gets the chance.
        dtls = bundle_transport(self.pc)
        self._stock_rtcp = dtls._handle_rtcp_data
        self._rtcp_ssrc = self.pc.getTransceivers()[0].sender._ssrc
        self.wire = Wire(dtls, self._on_rtp, self._on_rtcp)
        if self.replay is not None:
            self.replay.wire = self.wire
        return self.result

    def track(self, kind: str) -> str:
        return str(next(t["mid"] for t in self.result["tracks"] if t["kind"] == kind))

    def slots(self, kind: str) -> list[str]:
        return [str(t["mid"]) for t in self.result["slots"] if t["kind"] == kind]

    def _on_rtp(self, data: bytes, arrival_time_ms: int) -> None:
        ssrc = int.from_bytes(data[8:12], "big") if len(data) >= 12 else 0
        counter = self._by_ssrc.get(ssrc)
        rtx = False
        if counter is None:
            counter = self._by_rtx.get(ssrc)
            rtx = True
            if counter is None:
                return
        try:
            packet = parse_rtp(data, ExtensionIds())
        except MalformedPacket:
            return
        payload = packet.payload
        seq = packet.seq
        if rtx:
            if len(payload) < 2:
                return
            seq, payload = (payload[0] << 8) | payload[1], payload[2:]
        counter.on_packet(seq, packet.timestamp, packet.marker, payload, time.monotonic())

    def _on_rtcp(self, data: bytes) -> None:
        if self.replay is not None:
            try:
                items = rtcp.parse_rtcp(data)
            except MalformedPacket:
                return
            for item in items:
                self.replay.on_feedback(item)
        elif self._stock_rtcp is not None and self._live:
            # A live (stock aiortc) sender shares this transport: it needs its PLIs and NACKs.
            task = asyncio.ensure_future(self._stock_rtcp(data))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    def tick(self, now: float) -> None:
        """NACKs for what is missing, a PLI where a loss could not be recovered."""
        if self.wire is None or not self.wire.connected:
            return
        for counter in self.counters.values():
            if counter.kind != "video":
                continue
            ask = counter.due_nacks(now)
            if ask:
                self.wire.send_rtcp(rtcp.nack(self._rtcp_ssrc, counter.ssrc, ask))
            if counter.keyframe_wanted and now - counter.last_pli >= PLI_INTERVAL:
                counter.keyframe_wanted = False
                counter.last_pli = now
                self.wire.send_rtcp(rtcp.picture_loss(self._rtcp_ssrc, counter.ssrc))

    def send_reports(self) -> None:
        if self.wire is not None and self.wire.connected and self.replay is not None:
            data = self.replay.sender_reports()
            if data:
                self.wire.send_rtcp(data)

    async def close(self) -> None:
        await self.pc.close()
