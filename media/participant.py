"""A participant: one peer connection, its published tracks (receivers) and its receive slots (downtracks).

Negotiation is done once. In the client's offer, every m-line the client sends on (``sendonly`` or
``sendrecv``) is a published track, and every ``recvonly`` m-line is a receive slot, which the server
answers ``sendonly`` and fills with whatever track the room puts in it, without renegotiating.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable

from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.rtcrtpparameters import RTCRtpReceiveParameters, RTCRtpSendParameters

from media import rtcp
from media.bwe import UplinkEstimate
from media.clock import ntp_now
from media.codecs import Codec, is_rtx
from media.config import MediaConfig
from media.downtrack import DownTrack
from media.errors import MalformedPacket, NegotiationError
from media.receiver import Receiver
from media.rtp import ExtensionIds, RtpPacket, extension_layout, parse_rtp
from media.wire import Wire, bundle_transport, on_state_change, take_over_transceiver

logger = logging.getLogger(__name__)

MAX_OFFER_BYTES = 64 * 1024
MAX_MLINES = 32
MAX_COMPOUND = 1000  # bytes of clear RTCP per compound packet the server writes


class Participant:
    def __init__(
        self,
        participant_id: str,
        config: MediaConfig,
        on_change: Callable[[Participant], None],
    ) -> None:
        self.id = participant_id
        self.config = config
        self._on_change = on_change
        servers = [RTCIceServer(urls=url) for url in config.ice_servers]
        # max-bundle: every transceiver is created on the first one's transport. (With aiortc's default,
        # "balanced", a second transceiver of a kind that is not the first m-line's is left on a transport
        # that BUNDLE then stops.)
        configuration = RTCConfiguration(iceServers=servers, bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
        self.pc = RTCPeerConnection(configuration)
        self.tracks: dict[str, str] = {}  # mid -> kind, what the client publishes
        self.slots: dict[str, str] = {}  # mid -> kind, what the client receives
        self.track_codecs: dict[str, list[Codec]] = {}
        self.slot_codecs: dict[str, list[Codec]] = {}
        self.receivers: dict[str, Receiver] = {}
        self.downtracks: dict[str, DownTrack] = {}
        self.paused: set[str] = set()  # kinds whose forwarding is stopped
        self.state = "new"
        self.wire: Wire | None = None
        self.rtcp_ssrc = 0
        self._ids = ExtensionIds()
        self._extension_pairs: set[tuple[int, str]] = set()
        self._by_ssrc: dict[int, Receiver] = {}
        self._rtx_by_ssrc: dict[int, Receiver] = {}
        self._downtrack_by_ssrc: dict[int, DownTrack] = {}
        self._rtx_ssrcs: set[int] = set()
        self._bwe = UplinkEstimate(config.start_bitrate, config.min_bitrate, config.max_bitrate)
        self._next_report = 0.0
        self._last_report = time.monotonic()
        self._bytes_in_at_report = 0
        self._bytes_out_at_report = 0
        self.bitrate_in = 0.0
        # The participant's browser's latest estimate of what it can receive (REMB: one value for the whole
        # transport, whichever slots it lists), bit/s, and when it came.
        self.remb: int | None = None
        self.remb_at = 0.0
        self.bitrate_out = 0.0
        self.joined_at = time.monotonic()
        self.connected_at: float | None = None
        self.malformed: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"Participant({self.id})"

    # Negotiation.
    async def answer(self, offer_sdp: str) -> str:
        """Apply the client's offer and return the answer. NegotiationError when it cannot be answered."""
        if not isinstance(offer_sdp, str) or len(offer_sdp) > MAX_OFFER_BYTES or "m=" not in offer_sdp:
            raise NegotiationError("the offer is not an SDP description")
        try:
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
        except Exception as exc:  # aiortc raises many types for bad SDP; all mean the same to the caller
            raise NegotiationError(f"the offer was refused: {exc}") from exc
        transceivers = self.pc.getTransceivers()
        if not transceivers or len(transceivers) > MAX_MLINES:
            raise NegotiationError("the offer must have between 1 and 32 audio/video sections")
        try:
            dtls = bundle_transport(self.pc)
        except ValueError as exc:
            raise NegotiationError(str(exc)) from exc
        for transceiver in transceivers:
            mid = transceiver.mid or ""
            client_sends = transceiver._offerDirection in ("recvonly", "sendrecv")
            codecs = [Codec.from_aiortc(c) for c in transceiver._codecs if not is_rtx(c)]
            if client_sends:
                self.tracks[mid] = transceiver.kind
                self.track_codecs[mid] = codecs
            elif transceiver._offerDirection == "sendonly":
                self.slots[mid] = transceiver.kind
                self.slot_codecs[mid] = codecs
                transceiver.direction = "sendonly"
            take_over_transceiver(transceiver, self._on_send_parameters, self._on_receive_parameters)
        self.rtcp_ssrc = transceivers[0].sender._ssrc
        self.wire = Wire(dtls, self._on_rtp, self._on_rtcp)
        on_state_change(dtls, self._on_transport_state)
        try:
            answer = await self.pc.createAnswer()
            await self.pc.setLocalDescription(answer)
        except Exception as exc:
            raise NegotiationError(f"no answer could be made: {exc}") from exc
        return str(self.pc.localDescription.sdp)

    def _on_receive_parameters(self, transceiver: RTCRtpTransceiver, params: RTCRtpReceiveParameters) -> None:
        mid = transceiver.mid or ""
        if mid not in self.tracks or mid in self.receivers:
            return
        codecs = [Codec.from_aiortc(c) for c in params.codecs if not is_rtx(c)]
        rtx = {
            c.payloadType: int(apt)
            for c in params.codecs
            if is_rtx(c) and c.payloadType is not None and (apt := c.parameters.get("apt")) is not None
        }
        ssrc = rtx_ssrc = None
        if params.encodings:
            ssrc = params.encodings[0].ssrc
            if params.encodings[0].rtx is not None:
                rtx_ssrc = params.encodings[0].rtx.ssrc
        # BUNDLEd m-lines share one id space (RFC 8843): parse every packet with the union of their ids.
        self._extension_pairs.update((e.id, e.uri) for e in params.headerExtensions)
        self._ids = ExtensionIds.from_uris(sorted(self._extension_pairs))
        receiver = Receiver(
            participant_id=self.id,
            mid=mid,
            kind=transceiver.kind,
            codecs=codecs,
            rtx_payload_types=rtx,
            ssrc=ssrc,
            rtx_ssrc=rtx_ssrc,
            send_rtcp=self._send_rtcp,
            rtcp_ssrc=self.rtcp_ssrc,
            history_size=self.config.history_size,
            keyframe_interval=self.config.keyframe_interval,
        )
        receiver.paused = transceiver.kind in self.paused
        self.receivers[mid] = receiver
        if ssrc is not None:
            self._by_ssrc[ssrc] = receiver
        if rtx_ssrc is not None:
            self._rtx_by_ssrc[rtx_ssrc] = receiver
        self._on_change(self)

    def _on_send_parameters(self, transceiver: RTCRtpTransceiver, params: RTCRtpSendParameters) -> None:
        mid = transceiver.mid or ""
        if mid not in self.slots or mid in self.downtracks or self.wire is None:
            return
        codecs = [Codec.from_aiortc(c) for c in params.codecs if not is_rtx(c)]
        rtx = {
            int(apt): c.payloadType
            for c in params.codecs
            if is_rtx(c) and c.payloadType is not None and (apt := c.parameters.get("apt")) is not None
        }
        ids = ExtensionIds.from_uris([(e.id, e.uri) for e in params.headerExtensions])
        downtrack = DownTrack(
            participant_id=self.id,
            mid=mid,
            kind=transceiver.kind,
            ssrc=transceiver.sender._ssrc,
            rtx_ssrc=transceiver.sender._rtx_ssrc if rtx else None,
            codecs=codecs,
            rtx_payload_types=rtx,
            layout=extension_layout(ids, mid),
            cname=params.rtcp.cname or self.id,
            wire=self.wire,
            rtx_copies=self.config.rtx_copies,
        )
        self.downtracks[mid] = downtrack
        self._downtrack_by_ssrc[downtrack.ssrc] = downtrack
        if downtrack.rtx_ssrc is not None:
            # Reports about a slot's RTX stream say nothing of the picture (RTX is sparse by nature): ignored.
            self._rtx_ssrcs.add(downtrack.rtx_ssrc)
        self._on_change(self)

    def _on_transport_state(self, state: str) -> None:
        if state == "connected" and self.state == "new":
            self.state = "connected"
            self.connected_at = time.monotonic()
            if self.wire is not None:
                self.wire.read_directly()
                if self.config.socket_buffer:
                    self.wire.enlarge_socket_buffers(self.config.socket_buffer)
        elif state in ("closed", "failed") and self.state != "closed":
            self.state = "closed" if state == "closed" else "failed"
        self._on_change(self)

    # Packets from the client.
    def _count(self, reason: str) -> None:
        self.malformed[reason] = self.malformed.get(reason, 0) + 1

    def _on_rtp(self, data: bytes, arrival_time_ms: int) -> None:
        try:
            packet = parse_rtp(data, self._ids)
        except MalformedPacket as exc:
            self._count(exc.reason)
            return
        now = time.monotonic()
        receiver = self._by_ssrc.get(packet.ssrc)
        if receiver is not None:
            receiver.on_rtp(packet, now)
            return
        receiver = self._rtx_by_ssrc.get(packet.ssrc)
        if receiver is not None:
            receiver.on_rtx(packet, now)
            return
        self._learn_ssrc(packet, now)

    def _learn_ssrc(self, packet: RtpPacket, now: float) -> None:
        """A packet on an SSRC the offer did not declare: accept it only for a track that has none yet."""
        candidates = list(self.receivers.values())
        if packet.mid is not None:
            mid = packet.mid.decode("ascii", "replace")
            candidates = [r for r in candidates if r.mid == mid]
        media = [r for r in candidates if r.ssrc is None and packet.payload_type in r.codec_by_pt]
        rtx = [r for r in candidates if r.rtx_ssrc is None and packet.payload_type in r.rtx_payload_types]
        if len(media) == 1:
            media[0].ssrc = packet.ssrc
            self._by_ssrc[packet.ssrc] = media[0]
            media[0].on_rtp(packet, now)
        elif len(rtx) == 1 and rtx[0].ssrc is not None:
            rtx[0].rtx_ssrc = packet.ssrc
            self._rtx_by_ssrc[packet.ssrc] = rtx[0]
            rtx[0].on_rtx(packet, now)
        else:
            self._count("unknown_ssrc")

    def _on_rtcp(self, data: bytes) -> None:
        try:
            items = rtcp.parse_rtcp(data)
        except MalformedPacket as exc:
            self._count(exc.reason)
            return
        now = time.monotonic()
        for item in items:
            if isinstance(item, rtcp.SenderReport):
                receiver = self._by_ssrc.get(item.ssrc)
                if receiver is not None:
                    receiver.on_sender_report(item, now)
                self._on_report_blocks(item.reports, now)
            elif isinstance(item, rtcp.ReceiverReport):
                self._on_report_blocks(item.reports, now)
            elif isinstance(item, rtcp.Nack):
                if item.truncated:
                    self._count("rtcp_nack_truncated")
                downtrack = self._downtrack_by_ssrc.get(item.media_ssrc)
                if downtrack is None:
                    self._count("rtcp_unknown_ssrc")
                else:
                    downtrack.on_nack(item, now)
            elif isinstance(item, rtcp.KeyframeRequest):
                downtrack = self._downtrack_by_ssrc.get(item.media_ssrc)
                if downtrack is None:
                    self._count("rtcp_unknown_ssrc")
                else:
                    downtrack.on_keyframe_request(now)
            elif isinstance(item, rtcp.Remb):
                if any(ssrc in self._downtrack_by_ssrc for ssrc in item.ssrcs):  # about what we send it
                    self.remb, self.remb_at = item.bitrate, now

    def _on_report_blocks(self, blocks: list[rtcp.ReportBlock], now: float) -> None:
        for block in blocks:
            downtrack = self._downtrack_by_ssrc.get(block.ssrc)
            if downtrack is not None:
                downtrack.on_report(block, now)
            elif block.ssrc not in self._by_ssrc and block.ssrc not in self._rtx_ssrcs:
                self._count("rtcp_unknown_ssrc")

    def _send_rtcp(self, data: bytes) -> bool:
        return self.wire.send_rtcp(data) if self.wire is not None else False

    # Housekeeping, driven by the room's ticker.
    def tick(self, now: float) -> None:
        # Runs 50 times a second per participant: only tracks with something missing cost anything.
        pending = [r for r in self.receivers.values() if r.nack is not None and (r.nack.missing or r.nack.overflowed)]
        if pending:
            rtt = self.rtt or 0.1
            for receiver in pending:
                receiver.tick(now, rtt)
        if now >= self._next_report:
            # Spread over [0.5, 1.5] x the interval so that participants' reports do not come in bursts.
            self._next_report = now + self.config.report_interval * random.uniform(0.5, 1.5)
            self._send_reports(now)

    def _send_reports(self, now: float) -> None:
        if self.wire is None or not self.wire.connected:
            return
        ntp = ntp_now()
        # All the slots' SR + SDES in as few compound packets as fit a datagram (RFC 8108 section 5.3),
        # rather than one protect and one send per slot.
        compound = b""
        for downtrack in self.downtracks.values():
            report = downtrack.sender_report(now, ntp)
            if report is None:
                continue
            if len(compound) + len(report) > MAX_COMPOUND:
                self.wire.send_rtcp(compound)
                compound = b""
            compound += report
        if compound:
            self.wire.send_rtcp(compound)
        elapsed = max(now - self._last_report, 1e-3)
        bytes_in = self.bytes_received
        bytes_out = self.bytes_sent
        self.bitrate_in = (bytes_in - self._bytes_in_at_report) * 8 / elapsed
        self.bitrate_out = (bytes_out - self._bytes_out_at_report) * 8 / elapsed
        self._bytes_in_at_report, self._bytes_out_at_report, self._last_report = bytes_in, bytes_out, now
        blocks = [b for r in self.receivers.values() if (b := r.report_block(now)) is not None]
        if not blocks:
            return
        packet = rtcp.receiver_report(self.rtcp_ssrc, blocks)
        video = [r for r in self.receivers.values() if r.video and r.ssrc is not None]
        if video:
            worst = max(b.fraction_lost for b in blocks) / 256
            bitrate = self._bwe.update(worst, self.bitrate_in)
            packet += rtcp.remb(self.rtcp_ssrc, bitrate, [r.ssrc for r in video if r.ssrc is not None])
        self.wire.send_rtcp(packet)

    # Figures for stats and metrics.
    @property
    def bytes_received(self) -> int:
        return sum(r.stats.bytes for r in self.receivers.values())

    @property
    def bytes_sent(self) -> int:
        return sum(d.bytes_sent for d in self.downtracks.values())

    @property
    def packets_received(self) -> int:
        return sum(r.stats.received for r in self.receivers.values())

    @property
    def packets_forwarded(self) -> int:
        return sum(d.packets_sent for d in self.downtracks.values())

    @property
    def packets_lost(self) -> int:
        return sum(r.stats.lost for r in self.receivers.values())

    @property
    def rtt(self) -> float | None:
        samples = [d.rtt for d in self.downtracks.values() if d.rtt is not None]
        return sum(samples) / len(samples) if samples else None

    @property
    def dropped(self) -> dict[str, int]:
        """Packets dropped, by reason: malformed or unknown input, and output the network would not take."""
        totals = dict(self.malformed)
        for receiver in self.receivers.values():
            for reason, count in receiver.dropped.items():
                totals[reason] = totals.get(reason, 0) + count
        if self.wire is not None and self.wire.dropped_congested:
            totals["congested"] = self.wire.dropped_congested
        if self.wire is not None and self.wire.srtp_errors:
            totals["srtp_auth"] = self.wire.srtp_errors  # forged, replayed or not for us: not authenticated
        if self.wire is not None and self.wire.handler_errors:
            totals["internal_error"] = self.wire.handler_errors
        return totals

    async def close(self) -> None:
        self.state = "closed"
        for receiver in self.receivers.values():
            receiver.close()
        for downtrack in self.downtracks.values():
            downtrack.set_source(None)
        await self.pc.close()
