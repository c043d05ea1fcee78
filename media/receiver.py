"""The receiver: one published track, the packets of which go on arrival to every downtrack carrying it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from media import h264, rtcp, vp8
from media.buffer import NackTracker, PacketHistory, StreamStats
from media.clock import ntp_now
from media.codecs import Codec
from media.errors import MalformedPacket
from media.rtp import RtpPacket, abs_send_time_now
from media.wire import Outgoing, send_batch


class TrackSender(Protocol):
    """What a receiver and its holders need of each downtrack carrying it (``media.downtrack.DownTrack``).

    A protocol, so that this module need not import the downtrack's, which builds on this one.
    """

    def write(self, packet: RtpPacket, receiver: Receiver, now: float, send_time: bytes, batch: list[Outgoing]) -> None:
        """Send ``packet`` of ``receiver`` on to the subscriber (into ``batch``), if it is to go."""

    def forget(self, receiver: Receiver) -> None:
        """``receiver`` is going away: keep no reference to it."""

    def resume(self, receiver: Receiver, now: float) -> None:
        """``receiver`` resumed after a pause."""


class Receiver:
    """A publisher's track, as received: statistics, history, NACKs upstream, keyframe requests, fan-out."""

    def __init__(
        self,
        *,
        participant_id: str,
        mid: str,
        kind: str,
        codecs: list[Codec],
        rtx_payload_types: dict[int, int],
        ssrc: int | None,
        rtx_ssrc: int | None,
        send_rtcp: Callable[[bytes], bool],
        rtcp_ssrc: int,
        history_size: int = 512,
        keyframe_interval: float = 0.3,
    ) -> None:
        self.participant_id = participant_id
        self.mid = mid
        self.kind = kind
        self.video = kind == "video"
        self.codecs = codecs
        self.codec_by_pt = {c.payload_type: c for c in codecs}
        self.rtx_payload_types = rtx_payload_types  # rtx pt -> original pt
        self.ssrc = ssrc
        self.rtx_ssrc = rtx_ssrc
        self._send_rtcp = send_rtcp
        self._rtcp_ssrc = rtcp_ssrc
        self.clock_rate = codecs[0].clock_rate if codecs else 90000
        self.stats = StreamStats(self.clock_rate)
        self.history: PacketHistory | None = PacketHistory(history_size) if self.video else None
        self.nack: NackTracker | None = NackTracker() if self.video else None
        self.downtracks: list[TrackSender] = []
        self.paused = False
        self.closed = False
        self.keyframe_interval = keyframe_interval
        self._last_keyframe_request = -1e9
        self._keyframe_since_request = False
        # Sender report of the publisher: (NTP time, RTP timestamp, local arrival time); None until one came.
        self.last_sr: tuple[int, int, float] | None = None
        # Counters, read by the metrics collector and the stats API.
        self.packets = 0
        self.frames = 0
        self.keyframes = 0
        self.keyframe_requests = 0
        self.duplicates = 0
        self.recovered = 0
        self.nacks_sent = 0
        self.dropped: dict[str, int] = {}
        # Audio level over the current observation window (RFC 6464: 0 loudest .. 127 silent).
        self.level_sum = 0
        self.level_count = 0
        self.voice_count = 0

    def __repr__(self) -> str:
        return f"Receiver({self.participant_id}/{self.mid} {self.kind})"

    def add_downtrack(self, downtrack: TrackSender) -> None:
        if downtrack not in self.downtracks:
            # Copy on write: a fan-out loop in progress keeps iterating over the old list.
            self.downtracks = [*self.downtracks, downtrack]

    def remove_downtrack(self, downtrack: TrackSender) -> None:
        if downtrack in self.downtracks:
            self.downtracks = [d for d in self.downtracks if d is not downtrack]

    def drop(self, reason: str) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + 1

    def on_rtp(self, packet: RtpPacket, now: float) -> None:
        """A packet on the track's own SSRC: account for it, remember it, forward it."""
        payload = packet.payload
        if packet.payload_type not in self.codec_by_pt:
            self.drop("unknown_payload_type")
            return
        if self.video and payload:
            codec = self.codec_by_pt[packet.payload_type]
            try:
                if codec.name == "VP8":
                    packet.vp8, _start, keyframe = vp8.parse_descriptor(payload)
                    packet.keyframe = keyframe
                elif codec.name == "H264":
                    packet.keyframe = h264.is_keyframe_start(payload)
            except MalformedPacket as exc:
                self.drop(exc.reason)
                return
        nack = self.nack
        if nack is not None:
            state = nack.add(packet.seq, now)
            if state == 0:
                self.duplicates += 1
                return
            if state == 2:
                self.recovered += 1
        self.stats.update(packet.seq, packet.timestamp, now, len(payload))
        self.packets += 1
        if packet.marker:
            self.frames += 1
        if packet.keyframe:
            self.keyframes += 1
            self._keyframe_since_request = True
        if self.history is not None:
            self.history.put(packet)
        elif packet.audio_level >= 0:
            self.level_sum += packet.audio_level
            self.level_count += 1
            if packet.voice:
                self.voice_count += 1
        if self.paused:
            return
        downtracks = self.downtracks
        if downtracks:
            send_time = abs_send_time_now(ntp_now())
            batch: list[Outgoing] = []
            for downtrack in downtracks:
                downtrack.write(packet, self, now, send_time, batch)
            send_batch(batch)

    def on_rtx(self, packet: RtpPacket, now: float) -> None:
        """A retransmission (RFC 4588) of one of our packets, asked for by us or by a subscriber."""
        original_pt = self.rtx_payload_types.get(packet.payload_type)
        if original_pt is None:
            self.drop("unknown_payload_type")
            return
        if len(packet.payload) < 2:
            self.drop("rtx_padding")  # bandwidth probes: nothing to forward
            return
        packet.seq = (packet.payload[0] << 8) | packet.payload[1]
        packet.payload = packet.payload[2:]
        packet.payload_type = original_pt
        packet.ssrc = self.ssrc or 0
        self.on_rtp(packet, now)

    def on_sender_report(self, report: rtcp.SenderReport, now: float) -> None:
        self.last_sr = (report.ntp, report.rtp_timestamp, now)

    def request_keyframe(self, now: float) -> bool:
        """Ask the publisher for a keyframe, unless one was asked for very recently; True if sent.

        At most one request per ``keyframe_interval`` while one is outstanding; once a keyframe has come
        since the last request, a third of it (subscribers joining one after another each get their
        first picture soon, and a publisher still sees at most a few requests a second). A request that
        could not be sent (the publisher's transport not up yet) does not count.
        """
        if not self.video or self.ssrc is None or self.closed:
            return False
        interval = self.keyframe_interval
        if self._keyframe_since_request:
            interval /= 3
        if now - self._last_keyframe_request < interval:
            return False
        if not self._send_rtcp(rtcp.picture_loss(self._rtcp_ssrc, self.ssrc)):
            return False
        self._last_keyframe_request = now
        self._keyframe_since_request = False
        self.keyframe_requests += 1
        return True

    def tick(self, now: float, rtt: float) -> None:
        """Ask again for what is still missing; give up on what is too old and ask for a keyframe instead."""
        if self.nack is None or self.ssrc is None:
            return
        overflowed = self.nack.overflowed
        ask, given_up = self.nack.due(now, rtt)
        if ask:
            self.nacks_sent += 1
            self._send_rtcp(rtcp.nack(self._rtcp_ssrc, self.ssrc, ask[: rtcp.MAX_NACK_SEQUENCES]))
        if given_up or overflowed:
            self.nack.overflowed = 0
            self.request_keyframe(now)

    def report_block(self, now: float) -> rtcp.ReportBlock | None:
        """This track's block for the receiver report the server sends its publisher."""
        if self.ssrc is None or self.stats.received == 0:
            return None
        lsr = dlsr = 0
        if self.last_sr is not None:
            lsr = (self.last_sr[0] >> 16) & 0xFFFFFFFF
            dlsr = int((now - self.last_sr[2]) * 65536) & 0xFFFFFFFF
        return self.stats.report(self.ssrc, lsr, dlsr)

    def take_audio_level(self) -> tuple[float, float]:
        """(mean level, share of packets flagged as voice) since the last call; (127, 0) when silent."""
        count = self.level_count
        if count == 0:
            return 127.0, 0.0
        result = self.level_sum / count, self.voice_count / count
        self.level_sum = self.level_count = self.voice_count = 0
        return result

    def close(self) -> None:
        """The publisher left: every downtrack carrying this track lets go of it."""
        self.closed = True
        for downtrack in list(self.downtracks):
            downtrack.forget(self)
        self.downtracks = []
        if self.history is not None:
            self.history.clear()
