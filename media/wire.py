"""The seam between aiortc and giaoban's RTP layer: every aiortc internal the server relies on is here.

aiortc (pinned in pyproject.toml) does ICE, DTLS, SRTP and SDP. Its ``RTCRtpReceiver`` always
depayloads, jitter-buffers and decodes, and its ``RTCRtpSender`` always encodes or packetizes; a
forwarding server wants neither (MEDIA.md; aiortc issues #449 and #627). So, per peer connection:

* the stock senders and receivers are never started: their ``send``/``receive`` are replaced, before
  aiortc calls them, by functions that only hand the negotiated parameters to us — so no decoder
  thread, no encoder, no RTCP task of theirs ever exists;
* the DTLS transport's ``_handle_rtp_data`` and ``_handle_rtcp_data`` (called with each clear datagram,
  after SRTP unprotect) are replaced by ours, so its ``RtpRouter`` is bypassed;
* sending protects with the transport's ``_tx_srtp`` session and writes straight to the nominated
  ICE pair's datagram transport, synchronously: one C call and one ``sendto`` per packet.

``tests/media/test_contract.py`` checks each of these assumptions and fails loudly when aiortc changes.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Callable
from typing import Any

from aiortc import RTCPeerConnection, RTCRtpTransceiver
from aiortc.rtcdtlstransport import RTCDtlsTransport, State
from aiortc.rtcrtpparameters import RTCRtpReceiveParameters, RTCRtpSendParameters

logger = logging.getLogger(__name__)

_CONNECTED = State.CONNECTED

# Above this many bytes queued in the socket's user-space buffer, packets are dropped rather than queued:
# a subscriber that cannot keep up must not make the server's memory grow.
MAX_WRITE_BUFFER = 512 * 1024

RtpHandler = Callable[[bytes, int], None]
RtcpHandler = Callable[[bytes], None]
SendParametersHandler = Callable[[RTCRtpTransceiver, RTCRtpSendParameters], None]
ReceiveParametersHandler = Callable[[RTCRtpTransceiver, RTCRtpReceiveParameters], None]


def bundle_transport(pc: RTCPeerConnection) -> RTCDtlsTransport:
    """The one DTLS transport all media of ``pc`` shares; ValueError unless everything is bundled."""
    transports = {id(t.receiver.transport): t.receiver.transport for t in pc.getTransceivers()}
    transports.update({id(t.sender.transport): t.sender.transport for t in pc.getTransceivers()})
    if len(transports) != 1:
        raise ValueError("all media must share one transport (BUNDLE)")
    return next(iter(transports.values()))


def take_over_transceiver(
    transceiver: RTCRtpTransceiver,
    on_send_parameters: SendParametersHandler,
    on_receive_parameters: ReceiveParametersHandler,
) -> None:
    """Stop aiortc from ever starting this transceiver's stock sender and receiver; hand us their parameters."""

    async def send(parameters: RTCRtpSendParameters) -> None:
        on_send_parameters(transceiver, parameters)

    async def receive(parameters: RTCRtpReceiveParameters) -> None:
        on_receive_parameters(transceiver, parameters)

    # Instance attributes shadow the methods aiortc's RTCPeerConnection.__connect calls.
    setattr(transceiver.sender, "send", send)  # noqa: B010
    setattr(transceiver.receiver, "receive", receive)  # noqa: B010


class Wire:
    """Clear RTP/RTCP in and out of one DTLS transport."""

    def __init__(self, dtls: RTCDtlsTransport, on_rtp: RtpHandler, on_rtcp: RtcpHandler) -> None:
        self._dtls = dtls
        # An asyncio datagram transport (typeshed's DatagramTransport lacks get_write_buffer_size).
        self._datagram: Any = None
        self._remote: tuple[str, int] | None = None
        self.dropped_congested = 0
        self.dropped_closed = 0
        self.handler_errors = 0

        # A bug in our handling of one packet must cost that packet, not the participant's connection:
        # an exception here would end aiortc's receive task for the whole transport.
        async def handle_rtp(data: bytes, arrival_time_ms: int) -> None:
            try:
                on_rtp(data, arrival_time_ms)
            except Exception:
                self._failed("RTP")

        async def handle_rtcp(data: bytes) -> None:
            try:
                on_rtcp(data)
            except Exception:
                self._failed("RTCP")

        setattr(dtls, "_handle_rtp_data", handle_rtp)  # noqa: B010
        setattr(dtls, "_handle_rtcp_data", handle_rtcp)  # noqa: B010

    def _failed(self, what: str) -> None:
        self.handler_errors += 1
        if self.handler_errors <= 3:  # enough to find the bug, not enough to flood the log
            logger.exception("handling a received %s packet failed", what)

    def enlarge_socket_buffers(self, size: int) -> None:
        """Give the ICE sockets room for ``size`` bytes each way, so that a moment without CPU loses nothing.

        The kernel caps the request at net.core.rmem_max / wmem_max.
        """
        connection: Any = self._dtls.transport._connection
        for protocol in connection._protocols:
            sock = protocol.transport.get_extra_info("socket") if protocol.transport is not None else None
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)

    @property
    def connected(self) -> bool:
        return self._dtls._state == State.CONNECTED

    def _route(self) -> Any:
        """The nominated pair's datagram transport, looked up once (aioice never changes it afterwards)."""
        if self._datagram is None or self._datagram.is_closing():
            self._datagram = None
            connection: Any = self._dtls.transport._connection
            pair = connection._nominated.get(1)
            if pair is None or pair.protocol.transport is None or pair.protocol.transport.is_closing():
                return None
            self._datagram = pair.protocol.transport
            self._remote = pair.remote_addr
        return self._datagram

    def send_rtp(self, data: bytes) -> bool:
        """Protect and send one clear RTP packet now; False (and counted) if it had to be dropped."""
        datagram = self._datagram
        # aioice may close its socket (consent lost, peer gone) a moment before the DTLS transport notices.
        if datagram is None or datagram.is_closing() or self._dtls._state is not _CONNECTED:
            datagram = self._route() if self._dtls._state is _CONNECTED else None
            if datagram is None:
                self.dropped_closed += 1
                return False
        if datagram.get_write_buffer_size() > MAX_WRITE_BUFFER:
            self.dropped_congested += 1
            return False
        datagram.sendto(self._dtls._tx_srtp.protect(data), self._remote)
        return True

    def send_rtcp(self, data: bytes) -> bool:
        """Protect and send one clear compound RTCP packet."""
        if self._dtls._state != State.CONNECTED:
            return False
        datagram = self._route()
        if datagram is None or datagram.is_closing():
            self._datagram = None
            return False
        datagram.sendto(self._dtls._tx_srtp.protect_rtcp(data), self._remote)
        return True


def on_state_change(dtls: RTCDtlsTransport, callback: Callable[[str], None]) -> None:
    """Call ``callback(state)`` whenever the DTLS transport changes state ('connected', 'closed', 'failed')."""

    def changed() -> None:
        callback(dtls.state)

    dtls.on("statechange", changed)
