"""The downtrack: one receive slot of one subscriber, fed by whichever receiver its forwarder has chosen.

Each packet is rewritten for this subscriber — its SSRC, payload type and header-extension ids, the
munger's sequence number and timestamp, VP8 descriptor fields when a source switch requires it — and
sent at once. The downtrack also answers the subscriber's NACKs from the receivers' histories (as RTX
when negotiated), passes its keyframe requests upstream, and writes its sender reports.
"""

from __future__ import annotations

import asyncio
import time

from media import rtcp
from media.clock import ntp_now
from media.codecs import Codec, payload_type_map
from media.errors import IncompatibleSlot
from media.forwarder import Forwarder
from media.receiver import Receiver
from media.rtp import ExtensionLayout, RtpPacket, abs_send_time_now, pack_header
from media.rtpmunger import Epoch, RtpMunger
from media.wire import Outgoing, Wire

MAX_NACKED_PER_PACKET = 64
RETRANSMIT_GUARD = 0.04  # the same packet is not resent more often than this, or 1.5 RTT
RETRANSMITS_PER_SECOND = 400
BROKEN_FRACTION_LOST = 64  # 25 %, in RTCP's 1/256 units


class DownTrack:
    def __init__(
        self,
        *,
        participant_id: str,
        mid: str,
        kind: str,
        ssrc: int,
        rtx_ssrc: int | None,
        codecs: list[Codec],
        rtx_payload_types: dict[int, int],
        layout: ExtensionLayout,
        cname: str,
        wire: Wire,
        rtx_copies: int = 1,
    ) -> None:
        self.participant_id = participant_id
        self.mid = mid
        self.kind = kind
        self.ssrc = ssrc
        self.rtx_ssrc = rtx_ssrc
        self.codecs = codecs
        self.rtx_payload_types = rtx_payload_types  # media pt -> its rtx pt
        self.layout = layout
        self.cname = cname
        self.wire = wire
        self.rtx_copies = rtx_copies
        self.clock_rate = codecs[0].clock_rate if codecs else 90000
        self.munger = RtpMunger(self.clock_rate)
        self.forwarder = Forwarder(self, self.munger, kind == "video")
        self._rtx_seq = int.from_bytes(ssrc.to_bytes(4, "big")[:2], "big") & 0x7FFF
        self._recently_resent: dict[int, float] = {}
        self._resend_window_start = 0.0
        self._resends_in_window = 0
        self._sr_sent: dict[int, float] = {}
        self._broken_reports = 0
        # Counters and the subscriber's view, for stats.
        self.packets_sent = 0
        self.bytes_sent = 0
        self.frames_sent = 0
        self.retransmits = 0
        self.nacks_received = 0
        self.nack_misses = 0
        self.keyframe_requests_received = 0
        self.dropped = 0
        self.rtt: float | None = None
        self.fraction_lost = 0
        self.cumulative_lost = 0
        self.jitter = 0

    def __repr__(self) -> str:
        return f"DownTrack({self.participant_id}/{self.mid} {self.kind})"

    @property
    def source(self) -> Receiver | None:
        return self.forwarder.source

    def set_source(self, receiver: Receiver | None) -> None:
        """Carry ``receiver`` (None: nothing). IncompatibleSlot if the subscriber cannot take its codec."""
        pt_map: dict[int, int] = {}
        if receiver is not None:
            if receiver.kind != self.kind:
                raise IncompatibleSlot(f"slot {self.mid} is {self.kind}, track is {receiver.kind}")
            pt_map = payload_type_map(receiver.codecs, self.codecs)
            if not pt_map:
                raise IncompatibleSlot(f"no codec of {receiver!r} was negotiated for slot {self.mid}")
        self.forwarder.set_source(receiver, pt_map, time.monotonic())

    def forget(self, receiver: Receiver) -> None:
        self.forwarder.forget(receiver)

    def resume(self, receiver: Receiver, now: float) -> None:
        """The source resumed after a pause: a fresh epoch (at a keyframe, for video)."""
        self.forwarder.restart(receiver, now)

    # The forwarding path: called once per packet per subscriber, so kept flat.
    def write(self, packet: RtpPacket, receiver: Receiver, now: float, send_time: bytes, batch: list[Outgoing]) -> None:
        epoch = self.munger.epoch
        # The forwarder's common case inline: the packet belongs to the epoch in progress.
        if epoch is None or epoch.receiver is not receiver or ((packet.seq - epoch.src_seq_first) & 0xFFFF) >= 0x8000:
            epoch = self.forwarder.admit(packet, receiver, now)
            if epoch is None:
                return
        out_pt = epoch.pt_map.get(packet.payload_type)
        if out_pt is None:
            self.dropped += 1
            return
        out_seq = (packet.seq + epoch.seq_offset) & 0xFFFF
        out_ts = (packet.timestamp + epoch.ts_offset) & 0xFFFFFFFF
        payload = packet.payload
        b0 = 0x80
        if not payload:
            if not packet.padding:
                return  # no payload and no padding: nothing a subscriber could use
            payload = bytes(packet.padding - 1) + bytes((packet.padding,))
            b0 = 0xA0
        elif epoch.vp8 is not None and packet.vp8 is not None:
            payload = epoch.vp8.rewrite(payload, packet.vp8)
        layout = self.layout
        cache = packet.ext_cache
        if cache is None:
            ext = layout.build(packet, send_time)
            packet.ext_cache = {layout: ext}
        else:
            found = cache.get(layout)
            if found is None:
                found = cache[layout] = layout.build(packet, send_time)
            ext = found
        if ext:
            b0 |= 0x10
        data = pack_header(b0, (packet.marker << 7) | out_pt, out_seq, out_ts, self.ssrc) + ext + payload
        if self.wire.prepare_rtp(data, batch):
            self.packets_sent += 1
            self.bytes_sent += len(data)
            if packet.marker:
                self.frames_sent += 1
        munger = self.munger
        last = munger.last_out_seq
        if last < 0 or ((out_seq - last) & 0xFFFF) < 0x8000:
            munger.last_out_seq = out_seq
            munger.last_out_ts = out_ts
            munger.last_out_time = now
            munger.last_vp8 = packet.vp8
            munger.last_vp8_munger = epoch.vp8
            epoch.out_seq_last = out_seq

    # Feedback from the subscriber.
    def on_nack(self, nack: rtcp.Nack, now: float) -> None:
        self.nacks_received += 1
        misses = 0
        guard = max(RETRANSMIT_GUARD, 1.5 * (self.rtt or 0.0))
        for out_seq in nack.sequences[:MAX_NACKED_PER_PACKET]:
            epoch = self.munger.epoch_of(out_seq)
            if epoch is None:
                misses += 1
                continue
            src_seq = (out_seq - epoch.seq_offset) & 0xFFFF
            history = epoch.receiver.history
            packet = history.get(src_seq) if history is not None else None
            if packet is None:
                tracker = epoch.receiver.nack
                if tracker is None or src_seq not in tracker.missing:
                    misses += 1  # neither here nor on its way: only a keyframe will mend the picture
                continue
            last = self._recently_resent.get(out_seq)
            if last is not None and now - last < guard:
                continue  # just resent: the subscriber asked again before it could have arrived
            if not self._resend_allowed(now):
                break
            self._recently_resent[out_seq] = now
            self._retransmit(packet, epoch, out_seq)
            if last is None:  # extra copies only the first time: a subscriber that asks again gets one each time
                for copy in range(1, self.rtx_copies):
                    asyncio.get_running_loop().call_later(0.015 * copy, self._retransmit, packet, epoch, out_seq)
        if len(self._recently_resent) > 512:
            cutoff = now - 1.0
            self._recently_resent = {s: t for s, t in self._recently_resent.items() if t > cutoff}
        if misses:
            self.nack_misses += misses
            self._keyframe_from_source(now)

    def _resend_allowed(self, now: float) -> bool:
        if now - self._resend_window_start >= 1.0:
            self._resend_window_start = now
            self._resends_in_window = 0
        self._resends_in_window += 1
        return self._resends_in_window <= RETRANSMITS_PER_SECOND

    def _retransmit(self, packet: RtpPacket, epoch: Epoch, out_seq: int) -> None:
        out_pt = epoch.pt_map.get(packet.payload_type)
        if out_pt is None or not (packet.payload or packet.padding):
            return
        payload = packet.payload
        if epoch.vp8 is not None and packet.vp8 is not None:
            payload = epoch.vp8.rewrite(payload, packet.vp8)
        ext = self.layout.build(packet, abs_send_time_now(ntp_now()))
        b0 = 0x90 if ext else 0x80
        out_ts = (packet.timestamp + epoch.ts_offset) & 0xFFFFFFFF
        rtx_pt = self.rtx_payload_types.get(out_pt)
        if not payload:  # a padding-only packet goes again as it went, on the media SSRC
            data = pack_header(b0 | 0x20, (packet.marker << 7) | out_pt, out_seq, out_ts, self.ssrc) + ext
            data += bytes(packet.padding - 1) + bytes((packet.padding,))
        elif rtx_pt is not None and self.rtx_ssrc is not None:
            self._rtx_seq = (self._rtx_seq + 1) & 0xFFFF
            header = pack_header(b0, (packet.marker << 7) | rtx_pt, self._rtx_seq, out_ts, self.rtx_ssrc)
            data = header + ext + out_seq.to_bytes(2, "big") + payload
        else:
            data = pack_header(b0, (packet.marker << 7) | out_pt, out_seq, out_ts, self.ssrc) + ext + payload
        if self.wire.send_rtp(data):
            self.retransmits += 1
            self.bytes_sent += len(data)

    def on_keyframe_request(self, now: float) -> None:
        self.keyframe_requests_received += 1
        self._keyframe_from_source(now)

    def _keyframe_from_source(self, now: float) -> None:
        forwarder = self.forwarder
        if forwarder.pending is not None:
            forwarder.pending.request_keyframe(now)
        elif forwarder.source is not None:
            forwarder.source.request_keyframe(now)

    def on_report(self, block: rtcp.ReportBlock, now: float) -> None:
        """A report block about this downtrack, from the subscriber's RR or SR."""
        self.fraction_lost = block.fraction_lost
        self.cumulative_lost = block.cumulative_lost
        self.jitter = block.jitter
        sent = self._sr_sent.get(block.lsr)
        if block.lsr and sent is not None:
            rtt = now - sent - block.dlsr / 65536
            if 0 <= rtt < 10:
                self.rtt = rtt if self.rtt is None else 0.8 * self.rtt + 0.2 * rtt
        # A subscriber losing this much despite retransmissions is most likely looking at a broken picture.
        if self.kind == "video" and block.fraction_lost >= BROKEN_FRACTION_LOST:
            self._broken_reports += 1
            if self._broken_reports >= 2:
                self._broken_reports = 0
                self._keyframe_from_source(now)
        else:
            self._broken_reports = 0

    def sender_report(self, now: float, ntp: int) -> bytes | None:
        """SR + SDES for this downtrack, mapping the source's latest SR onto the outgoing timestamps."""
        munger = self.munger
        epoch = munger.epoch
        if epoch is None or munger.last_out_seq < 0:
            return None
        source_sr = epoch.receiver.last_sr
        if source_sr is not None:
            # The publisher's own NTP/RTP pair, moved into this stream's timestamps: subscribers line audio
            # and video of the same publisher up with it.
            report_ntp, src_ts, _ = source_sr
            rtp_ts = (src_ts + epoch.ts_offset) & 0xFFFFFFFF
        else:
            report_ntp = ntp
            rtp_ts = (munger.last_out_ts + int((now - munger.last_out_time) * self.clock_rate)) & 0xFFFFFFFF
        lsr = (report_ntp >> 16) & 0xFFFFFFFF
        self._sr_sent[lsr] = now
        if len(self._sr_sent) > 8:
            del self._sr_sent[next(iter(self._sr_sent))]
        report = rtcp.sender_report(self.ssrc, report_ntp, rtp_ts, self.packets_sent, self.bytes_sent)
        return report + rtcp.source_description(self.ssrc, self.cname)
