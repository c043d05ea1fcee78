"""A benchmark publisher that replays the pre-encoded clip, as a camera and a microphone would send it."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from media import rtcp
from media.bench.clip import EncodedFrame, vp8_payloads
from media.clock import ntp_now
from media.rtp import ExtensionIds, abs_send_time_now
from media.wire import Wire


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
