"""The benchmark's sites: aiortc peer connections whose RTP the benchmark handles itself, cheaply.

A site may replay the clip (``media.bench.replay``) and counts what it receives at the RTP level
(``media.bench.counter``). So that the load generator costs little and its own starvation does not pass
for the server's doing, once connected a site reads its SRTP straight from the socket's protocol, without
aioice's queue and aiortc's DTLS task between (STUN and DTLS still take aiortc's way).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pylibsrtp
from aiortc import RTCBundlePolicy, RTCConfiguration, RTCPeerConnection, RTCRtpTransceiver, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtcrtpparameters import RTCRtpReceiveParameters, RTCRtpSendParameters

from media import rtcp
from media.bench.counter import StreamCounter
from media.bench.replay import Outgoing, ReplayPublisher
from media.codecs import is_rtx
from media.errors import MalformedPacket
from media.rtp import URI_ABS_SEND_TIME, URI_AUDIO_LEVEL, URI_MID, ExtensionIds, parse_rtp
from media.wire import Wire, bundle_transport

Join = Callable[[str], Awaitable[dict[str, Any]]]
PLI_INTERVAL = 0.5
SOCKET_BUFFER = 4 * 1024 * 1024

MAX_BUNDLE = RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)


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
        loss: float = 0.0,
        seed: int = 0,
    ) -> None:
        self.name = name
        # Loss toward this site, injected in user space (the kernel here has no netem): this share of the
        # RTP packets the server sends it (retransmissions too) is thrown away on arrival, seeded.
        self.loss = loss
        self.injected_losses = 0
        self._random = random.Random(seed)
        self.replay = replay
        self.pc = RTCPeerConnection(MAX_BUNDLE)
        self.counters: dict[str, StreamCounter] = {}
        self.result: dict[str, Any] = {}
        self.join_requested = 0.0
        # When each step toward the first picture happened (monotonic), for the first-frame breakdown.
        self.steps: dict[str, float] = {}
        self.wire: Wire | None = None
        self._stock_rtcp: Callable[[bytes], Awaitable[None]] | None = None
        self._rtcp_ssrc = 0
        self._taken: set[RTCRtpTransceiver] = set()
        self._by_ssrc: dict[int, StreamCounter] = {}
        self._by_rtx: dict[int, StreamCounter] = {}
        self._live = bool(live_tracks)
        self._pending: set[asyncio.Future[None]] = set()
        self._direct = False
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
        self.steps["answered"] = time.monotonic()
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

    def _read_directly(self) -> None:
        """Take SRTP/SRTCP from the ICE sockets' protocols as it arrives (see the module's docstring).

        Every local socket is hooked: the two ends may nominate pairs on different sockets (see
        ``media.wire.Wire.read_directly``).
        """
        self._direct = True
        dtls = bundle_transport(self.pc)
        connection = dtls.transport._connection
        if not connection._nominated:
            return
        session = dtls._rx_srtp
        by_ssrc = self._by_ssrc

        def hook(protocol: Any) -> None:
            stock = protocol.datagram_received

            def datagram_received(data: bytes, addr: tuple[Any, ...]) -> None:
                if len(data) < 12 or not 127 < data[0] < 192:
                    stock(data, addr)  # STUN, DTLS
                    return
                with contextlib.suppress(pylibsrtp.Error):
                    if 192 <= data[1] <= 223:
                        self._on_rtcp(session.unprotect_rtcp(data))
                        return
                    if self.loss and self._random.random() < self.loss:
                        self.injected_losses += 1
                        return
                    # SRTP leaves the header in the clear: counting needs the payload only to see where a
                    # frame starts (and whether it is a keyframe), so only those packets are decrypted.
                    counter = by_ssrc.get(int.from_bytes(data[8:12], "big"))
                    timestamp = int.from_bytes(data[4:8], "big")
                    if counter is not None and not counter.needs_payload(timestamp):
                        counter.on_packet((data[2] << 8) | data[3], timestamp, data[1] >> 7, b"", time.monotonic())
                    else:
                        self._on_rtp(session.unprotect(data), 0)

            setattr(protocol, "datagram_received", datagram_received)  # noqa: B010

        for protocol in connection._protocols:
            hook(protocol)
        # Large receive buffers, as the server has: a load generator starved of CPU for a moment (the
        # machine is shared) must fall behind, not drop what the server sent and pass for its loss.
        if self.wire is not None:
            self.wire.enlarge_socket_buffers(SOCKET_BUFFER)

    def tick(self, now: float) -> None:
        """NACKs for what is missing, a PLI where a loss could not be recovered."""
        if self.wire is None or not self.wire.connected:
            return
        if "connected" not in self.steps:
            self.steps["connected"] = now
        if not self._direct and not self._live:
            self._read_directly()
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
