"""The seam between aiortc and giaoban's RTP layer: every aiortc internal the server relies on is here.

aiortc (pinned in pyproject.toml) does ICE, DTLS, SRTP and SDP. Its ``RTCRtpReceiver`` always
depayloads, jitter-buffers and decodes, and its ``RTCRtpSender`` always encodes or packetizes; a
forwarding server wants neither (MEDIA.md; aiortc issues #449 and #627). So, per peer connection:

* the stock senders and receivers are never started: their ``send``/``receive`` are replaced, before
  aiortc calls them, by functions that only hand the negotiated parameters to us — so no decoder
  thread, no encoder, no RTCP task of theirs ever exists;
* the DTLS transport's ``_handle_rtp_data`` and ``_handle_rtcp_data`` (called with each clear datagram,
  after SRTP unprotect) are replaced by ours, so its ``RtpRouter`` is bypassed;
* sending protects with the transport's ``_tx_srtp`` session — calling libsrtp through pylibsrtp's cffi
  binding directly, as pylibsrtp's own wrapper costs three times the C call — and writes straight to the
  nominated ICE pair's socket (through asyncio's transport only when it has a backlog);
* once DTLS is up, SRTP/SRTCP are taken from that pair's protocol as they arrive, unprotected and handled
  there, without aioice's queue and aiortc's DTLS task in between (STUN and DTLS still go aiortc's way).

``tests/media/test_contract.py`` checks each of these assumptions and fails loudly when aiortc changes.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Callable
from typing import Any

import aiortc.rtcrtpreceiver
import pylibsrtp
from aiortc import RTCPeerConnection, RTCRtpTransceiver
from aiortc.rtcdtlstransport import RTCDtlsTransport, State
from aiortc.rtcrtpparameters import RTCRtpReceiveParameters, RTCRtpSendParameters
from pylibsrtp._binding import ffi, lib

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


Outgoing = tuple[Any, bytes, Any]  # (asyncio datagram transport, protected packet, address)


def send_batch(batch: list[Outgoing]) -> None:
    """Send prepared packets, straight on each socket, through asyncio's transport only behind a backlog."""
    for datagram, protected, address in batch:
        if datagram._buffer:
            datagram.sendto(protected, address)
            continue
        try:
            datagram._sock.sendto(protected, address)
        except (BlockingIOError, InterruptedError):
            datagram.sendto(protected, address)  # the socket is full: asyncio queues it until writable
        except (OSError, AttributeError):
            pass  # closed under us (the participant is leaving): nothing to do


class _Protector:
    """SRTP protect/unprotect on a pylibsrtp ``Session``, calling libsrtp directly on the session's own buffer."""

    def __init__(self, session: pylibsrtp.Session) -> None:
        self._session = session  # keeps the C context alive
        self._context = session._srtp[0]
        self._cdata = session._cdata
        self._buffer = session._buffer
        self._length = ffi.new("int *")
        self._largest = len(session._cdata) - pylibsrtp.SRTP_MAX_TRAILER_LEN

    def protect(self, data: bytes) -> bytes | None:
        size = len(data)
        if size > self._largest:
            return None
        self._buffer[0:size] = data
        self._length[0] = size
        if lib.srtp_protect(self._context, self._cdata, self._length):
            return None
        result: bytes = self._buffer[0 : self._length[0]]
        return result

    def unprotect(self, data: bytes) -> bytes | None:
        """The clear RTP packet, or None when it does not authenticate (or is a replay)."""
        size = len(data)
        if size > self._largest:
            return None
        self._buffer[0:size] = data
        self._length[0] = size
        if lib.srtp_unprotect(self._context, self._cdata, self._length):
            return None
        result: bytes = self._buffer[0 : self._length[0]]
        return result


class Wire:
    """Clear RTP/RTCP in and out of one DTLS transport."""

    def __init__(self, dtls: RTCDtlsTransport, on_rtp: RtpHandler, on_rtcp: RtcpHandler) -> None:
        self._dtls = dtls
        # An asyncio datagram transport (typeshed's DatagramTransport lacks get_write_buffer_size).
        self._datagram: Any = None
        self._remote: tuple[str, int] | None = None
        self._protector: _Protector | None = None
        self._on_rtp = on_rtp
        self._on_rtcp = on_rtcp
        self.reading_directly = False
        self.srtp_errors = 0
        # Packets that came the stock way (aioice's queue, aiortc's DTLS task) rather than read directly:
        # before DTLS is up, or on a socket not hooked. A diagnostic: this path costs several times more.
        self.stock_path_packets = 0
        self.dropped_congested = 0
        self.dropped_closed = 0
        self.handler_errors = 0

        # A bug in our handling of one packet must cost that packet, not the participant's connection:
        # an exception here would end aiortc's receive task for the whole transport.
        async def handle_rtp(data: bytes, arrival_time_ms: int) -> None:
            self.stock_path_packets += 1
            try:
                on_rtp(data, arrival_time_ms)
            except Exception:
                self._failed("RTP")

        async def handle_rtcp(data: bytes) -> None:
            self.stock_path_packets += 1
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
            self._protector = _Protector(self._dtls._tx_srtp)
        return self._datagram

    def send_rtp(self, data: bytes) -> bool:
        """Protect and send one clear RTP packet now; False (and counted) if it had to be dropped."""
        batch: list[Outgoing] = []
        if not self.prepare_rtp(data, batch):
            return False
        send_batch(batch)
        return True

    def prepare_rtp(self, data: bytes, batch: list[Outgoing]) -> bool:
        """Protect one clear RTP packet and add it to ``batch`` for :func:`send_batch`; False if dropped.

        The forwarding path protects a packet for every subscriber first and sends them all after: the
        Python work stays hot in the CPU's caches instead of running cold after each system call.
        """
        datagram = self._datagram
        # aioice may close its socket (consent lost, peer gone) a moment before the DTLS transport notices.
        if datagram is None or datagram._sock is None or self._dtls._state is not _CONNECTED:
            datagram = self._route() if self._dtls._state is _CONNECTED else None
            if datagram is None:
                self.dropped_closed += 1
                return False
        protected = self._protector.protect(data) if self._protector is not None else None
        if protected is None:
            self.dropped_closed += 1
            return False
        if datagram._buffer and datagram.get_write_buffer_size() > MAX_WRITE_BUFFER:
            self.dropped_congested += 1
            return False
        batch.append((datagram, protected, self._remote))
        return True

    def read_directly(self) -> None:
        """Take SRTP/SRTCP from the ICE sockets' protocols as it arrives (call once DTLS is connected).

        Every local socket of the connection is hooked, not only the nominated pair's: the two ends may
        nominate pairs on different local sockets (aioice's aggressive timing; one IPv4 and one IPv6
        host candidate here), and a peer's media then arrives on a socket other than the one we send on.
        Unhooked, those packets took aioice's queue and aiortc's DTLS task: several times the cost.
        """
        if self.reading_directly:
            return
        connection: Any = self._dtls.transport._connection
        session = self._dtls._rx_srtp
        if not connection._nominated or session is None:
            return
        rx = _Protector(session)
        unprotect = rx.unprotect
        on_rtp, on_rtcp = self._on_rtp, self._on_rtcp

        def hook(protocol: Any) -> None:
            stock = protocol.datagram_received

            def datagram_received(data: bytes, addr: tuple[Any, ...]) -> None:
                if len(data) < 12 or not 127 < data[0] < 192:
                    stock(data, addr)  # STUN (consent checks) and DTLS keep aiortc's way
                    return
                try:
                    if 192 <= data[1] <= 223:
                        on_rtcp(session.unprotect_rtcp(data))
                    else:
                        clear = unprotect(data)
                        if clear is None:
                            self.srtp_errors += 1  # not ours, replayed or forged: dropped, as aiortc would
                        else:
                            on_rtp(clear, 0)
                except pylibsrtp.Error:
                    self.srtp_errors += 1
                except Exception:
                    self._failed("SRTP")

            setattr(protocol, "datagram_received", datagram_received)  # noqa: B010

        for protocol in connection._protocols:
            hook(protocol)
        self.reading_directly = True

    def send_rtcp(self, data: bytes) -> bool:
        """Protect and send one clear compound RTCP packet."""
        if self._dtls._state != State.CONNECTED:
            return False
        datagram = self._route()
        if datagram is None or datagram.is_closing():
            self._datagram = None
            return False
        try:
            protected = self._dtls._tx_srtp.protect_rtcp(data)
        except pylibsrtp.Error:
            return False
        datagram.sendto(protected, self._remote)
        return True


_STOCK_ESTIMATOR: Any = getattr(aiortc.rtcrtpreceiver, "RemoteBitrateEstimator")  # noqa: B009


class _LazyEstimator:
    """aiortc's receive-side bandwidth estimator, built only if a stock receiver ever uses it.

    Every video ``RTCRtpReceiver`` builds one in its constructor: a 1000-bucket rate counter, so 11 000
    long-lived objects per all-to-all participant (and the collections they trigger) that the server never
    uses, as its receivers never start. Median CPU of answering an all-to-all offer: 36 -> 28 ms.
    """

    __slots__ = ("_real",)

    def __init__(self) -> None:
        self._real: Any = None

    def add(self, *args: Any, **kwargs: Any) -> Any:
        if self._real is None:
            self._real = _STOCK_ESTIMATOR()
        return self._real.add(*args, **kwargs)


def lazy_receive_estimators() -> None:
    """In this process, aiortc's receivers build their bandwidth estimator on first use (see above)."""
    setattr(aiortc.rtcrtpreceiver, "RemoteBitrateEstimator", _LazyEstimator)  # noqa: B010


def on_state_change(dtls: RTCDtlsTransport, callback: Callable[[str], None]) -> None:
    """Call ``callback(state)`` whenever the DTLS transport changes state ('connected', 'closed', 'failed')."""

    def changed() -> None:
        callback(dtls.state)

    dtls.on("statechange", changed)
