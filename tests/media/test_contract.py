"""The aiortc internals ``media.wire`` relies on. If aiortc changes, this fails loudly, naming what moved.

aiortc is pinned (``aiortc==1.16.0`` in pyproject.toml). Before moving the pin, run this file against the
new version; every failure here is a place where ``media/wire.py`` must be rewritten.
"""

from __future__ import annotations

import inspect
from importlib.metadata import version

import aiortc
import pytest
from aiortc import RTCPeerConnection, RTCRtpTransceiver
from aiortc.rtcdtlstransport import RTCDtlsTransport, State
from aiortc.rtcicetransport import RTCIceTransport
from aiortc.rtcrtpreceiver import RTCRtpReceiver
from aiortc.rtcrtpsender import RTCRtpSender

from media import guard
from media.server import MediaServer
from tests.media.peers import Site, wait_for


def source(obj: object) -> str:
    return inspect.getsource(obj)  # type: ignore[arg-type]


def test_the_pinned_version_is_installed() -> None:
    assert version("aiortc") == "1.16.0", "media/wire.py was written against aiortc 1.16.0; re-check it"
    assert aiortc.__version__ == "1.16.0"


def test_the_dtls_transport_hands_each_clear_datagram_to_overridable_methods() -> None:
    recv_next = source(RTCDtlsTransport._recv_next)
    assert "self._rx_srtp.unprotect_rtcp(data)" in recv_next
    assert "await self._handle_rtcp_data(data)" in recv_next
    assert "self._rx_srtp.unprotect(data)" in recv_next
    assert "await self._handle_rtp_data(data, arrival_time_ms=arrival_time_ms)" in recv_next
    assert list(inspect.signature(RTCDtlsTransport._handle_rtp_data).parameters) == ["self", "data", "arrival_time_ms"]
    assert list(inspect.signature(RTCDtlsTransport._handle_rtcp_data).parameters) == ["self", "data"]


def test_sending_is_srtp_protect_then_the_ice_connection() -> None:
    send_rtp = source(RTCDtlsTransport._send_rtp)
    assert "self._state != State.CONNECTED" in send_rtp
    assert "self._tx_srtp.protect_rtcp(data)" in send_rtp
    assert "self._tx_srtp.protect(data)" in send_rtp
    assert "await self.transport._send(data)" in send_rtp
    assert hasattr(State, "CONNECTED")
    assert "self._send = self._connection.send" in source(RTCIceTransport.__init__)
    import aioice.ice

    sendto = source(aioice.ice.Connection.sendto)
    assert "self._nominated.get(component)" in sendto
    assert "active_pair.protocol.send_data(data, active_pair.remote_addr)" in sendto
    assert "self.transport.sendto(data, addr)" in source(aioice.ice.StunProtocol.send_data)
    assert "self._protocols: list[StunProtocol] = []" in source(aioice.ice.Connection.__init__)


def test_pylibsrtp_session_internals_the_protector_uses() -> None:
    import os

    import pylibsrtp
    from pylibsrtp._binding import ffi, lib

    assert "self._cdata = ffi.new(" in source(pylibsrtp.Session.__init__)
    assert "self._buffer = ffi.buffer(self._cdata)" in source(pylibsrtp.Session.__init__)
    assert "func(self._srtp[0], self._cdata, len_p)" in source(pylibsrtp.Session._Session__process)  # type: ignore[attr-defined]
    assert str(ffi.typeof(lib.srtp_protect)) == "<ctype 'srtp_err_status_t(*)(struct srtp_ctx_t_ *, void *, int *)'>"
    assert str(ffi.typeof(lib.srtp_unprotect)) == str(ffi.typeof(lib.srtp_protect))
    assert pylibsrtp.SRTP_MAX_TRAILER_LEN == 144
    # And the protector gives what pylibsrtp's own wrapper gives.
    from media.wire import _Protector

    key = os.urandom(30)
    policy = pylibsrtp.Policy(key=key, ssrc_type=pylibsrtp.Policy.SSRC_ANY_OUTBOUND)
    ours, theirs = _Protector(pylibsrtp.Session(policy)), pylibsrtp.Session(policy)
    packet = bytes([0x80, 96, 0, 7, 0, 0, 0, 1, 0, 0, 0, 9]) + os.urandom(900)
    assert ours.protect(packet) == theirs.protect(packet)
    assert ours.protect(packet[:12] + bytes(1500)) is None  # too large for the session's buffer
    # Unprotect, on a receiving session, gives back the clear packet; forged or replayed packets give None.
    inbound = pylibsrtp.Policy(key=key, ssrc_type=pylibsrtp.Policy.SSRC_ANY_INBOUND)
    receiving = _Protector(pylibsrtp.Session(inbound))
    protected = theirs.protect(packet[:3] + b"\x08" + packet[4:])
    assert receiving.unprotect(protected) == packet[:3] + b"\x08" + packet[4:]
    assert receiving.unprotect(protected) is None  # a replay
    assert receiving.unprotect(protected[:-1] + bytes([protected[-1] ^ 1])) is None


def test_asyncio_and_aioice_internals_the_wire_uses() -> None:
    from asyncio import selector_events

    import aioice.ice

    sendto = source(selector_events._SelectorDatagramTransport.sendto)
    assert "if not self._buffer:" in sendto and "self._sock.sendto(data, addr)" in sendto
    assert "self._buffer.append((bytes(data), addr))" in sendto
    received = source(aioice.ice.StunProtocol.datagram_received)
    assert "self.receiver.data_received(data, self.local_candidate.component)" in received
    assert "self.transport = cast(asyncio.DatagramTransport, transport)" in source(
        aioice.ice.StunProtocol.connection_made
    )


def test_the_peer_connection_starts_senders_and_receivers_through_send_and_receive() -> None:
    connect = source(RTCPeerConnection._RTCPeerConnection__connect)  # type: ignore[attr-defined]
    assert "await transceiver.sender.send(self.__localRtp(transceiver))" in connect
    assert "await transceiver.receiver.receive(" in connect
    # The only places the stock sender and receiver create codecs or start threads.
    assert "get_encoder(codec)" in source(RTCRtpSender._next_encoded_frame)
    assert "self.__rtp_task = asyncio.ensure_future" in source(RTCRtpSender.send)
    assert "threading.Thread(" in source(RTCRtpReceiver.receive)
    assert "self.__transport._register_rtp_receiver(self, parameters)" in source(RTCRtpReceiver.receive)


def test_the_receive_estimator_is_built_in_the_receiver_and_used_only_by_add() -> None:
    import aiortc.rate
    import aiortc.rtcrtpreceiver

    from media.wire import _LazyEstimator

    receiver = source(aiortc.rtcrtpreceiver)
    assert "from .rate import RemoteBitrateEstimator" in receiver
    assert "self.__remote_bitrate_estimator = RemoteBitrateEstimator()" in receiver
    uses = receiver.count("self.__remote_bitrate_estimator.")
    assert uses == receiver.count("self.__remote_bitrate_estimator.add(") == 1
    # The stand-in gives what the real one gives.
    lazy, real = _LazyEstimator(), aiortc.rate.RemoteBitrateEstimator()
    for i in range(200):
        args = (1000 + i * 10, (i * 10 * 262) & 0xFFFFFF, 1200, 5)
        assert lazy.add(*args) == real.add(*args)


def test_the_transceiver_fields_negotiation_reads() -> None:
    init = source(RTCRtpTransceiver.__init__)
    assert "self._offerDirection" in init and "self._codecs" in init
    assert isinstance(RTCRtpTransceiver.direction, property) and RTCRtpTransceiver.direction.fset is not None
    sender_init = source(RTCRtpSender.__init__)
    assert "self._ssrc = random32()" in sender_init and "self._rtx_ssrc = random32()" in sender_init
    set_remote = source(RTCPeerConnection.setRemoteDescription)
    assert "transceiver._offerDirection = direction" in set_remote
    assert "direction=and_direction(" in source(RTCPeerConnection.createAnswer)


def test_max_bundle_puts_every_transceiver_on_the_first_transport() -> None:
    create = source(RTCPeerConnection._RTCPeerConnection__createTransceiver)  # type: ignore[attr-defined]
    assert "RTCBundlePolicy.MAX_BUNDLE" in create
    assert "dtlsTransport = self.__transceivers[0].receiver.transport" in create


def test_the_codec_factories_the_guard_replaces() -> None:
    import aiortc.codecs
    import aiortc.rtcrtpreceiver
    import aiortc.rtcrtpsender

    for module, name in [(aiortc.rtcrtpsender, "get_encoder"), (aiortc.rtcrtpreceiver, "get_decoder")]:
        assert callable(getattr(module, name)), f"{module.__name__}.{name} moved"
    assert "get_decoder(codec)" in source(aiortc.rtcrtpreceiver.decoder_worker)
    assert guard.report()["encoders"] == 0


@pytest.mark.timeout(60)
async def test_live_the_stock_machinery_never_starts_and_the_wire_carries_packets() -> None:
    from media.bench.sources import CounterVideoTrack

    server = MediaServer()
    publisher = Site("pub", CounterVideoTrack())
    subscriber = Site("sub", slots=("video",))
    await publisher.join(lambda sdp: server.join("r", "pub", sdp))
    await subscriber.join(lambda sdp: server.join("r", "sub", sdp))
    server.set_slot("r", "sub", "0", "pub", "0")
    await wait_for(lambda: subscriber.frames("0") >= 3, 10, "frames through the wire")
    for participant in server.room("r").participants.values():
        assert participant.wire is not None and participant.wire.connected
        dtls = participant.pc.getTransceivers()[0].receiver.transport
        assert dtls._handle_rtp_data.__qualname__.startswith("Wire."), "the transport's RTP hook was not installed"
        assert dtls._state == State.CONNECTED and dtls._tx_srtp is not None
        pair = dtls.transport._connection._nominated[1]
        assert pair.protocol.transport is not None and len(pair.remote_addr) == 2
        assert participant.wire.reading_directly, "SRTP is not read straight from the ICE protocol"
        # Every local socket is read directly (the two ends may nominate pairs on different sockets).
        for protocol in dtls.transport._connection._protocols:
            assert protocol.datagram_received.__qualname__.startswith("Wire."), "a local socket is not hooked"
        assert participant.wire.stock_path_packets <= 2, "media took aiortc's slow receive path"
        for transceiver in participant.pc.getTransceivers():
            assert transceiver.sender._RTCRtpSender__rtp_task is None
            assert transceiver.receiver._RTCRtpReceiver__decoder_thread is None
    await publisher.close()
    await subscriber.close()
    await server.close()
