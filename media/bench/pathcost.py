"""Where the time of the packet path goes, measured in-process on the real receiver and downtracks.

The same clip's packets are pushed through a ``Receiver`` and N ``DownTrack``s three times: with a wire that
protects and sends (to a local socket nobody reads), one that only protects, and one that does neither. The
differences give the share of SRTP, of the UDP send, and of giaoban's own Python per forwarded packet.
"""

from __future__ import annotations

import asyncio
import os
import socket
import struct
import time
from typing import Any

from pylibsrtp import Policy, Session

from media.bench.clip import video_clip, vp8_payloads
from media.codecs import Codec
from media.downtrack import DownTrack
from media.receiver import Receiver
from media.rtp import ExtensionIds, extension_layout, parse_rtp
from media.wire import _Protector


class _Wire:
    """What ``media.wire.Wire.prepare_rtp`` does, minus aiortc's objects around it; ``mode`` leaves parts out."""

    def __init__(self, mode: str, transport: Any, target: tuple[str, int]) -> None:
        self.mode = mode
        self.transport = transport
        self.target = target
        self.connected = True
        key = os.urandom(30)
        policy = Policy(key=key, ssrc_type=Policy.SSRC_ANY_OUTBOUND, srtp_profile=Policy.SRTP_PROFILE_AES128_CM_SHA1_80)
        self.protector = _Protector(Session(policy))

    def prepare_rtp(self, data: bytes, batch: list[Any]) -> bool:
        if self.mode == "python":
            return True
        protected = self.protector.protect(data)
        if self.mode == "full" and protected is not None:
            batch.append((self.transport, protected, self.target))
        return True

    def send_rtcp(self, data: bytes) -> bool:
        return True


def _packets(count: int) -> list[bytes]:
    clip = video_clip()
    ext = b"\xbe\xde\x00\x02" + bytes([0x10]) + b"0" + bytes([0x32]) + b"\x01\x02\x03" + b"\x00\x00"
    packets: list[bytes] = []
    seq = timestamp = frame = 0
    while len(packets) < count:
        payloads = vp8_payloads(clip[frame % len(clip)].data, frame & 0x7FFF)
        for i, payload in enumerate(payloads):
            marker = 0x80 if i == len(payloads) - 1 else 0
            packets.append(struct.pack("!BBHII", 0x90, marker | 97, seq & 0xFFFF, timestamp, 1) + ext + payload)
            seq += 1
        timestamp += 6000
        frame += 1
    return packets


async def _run(mode: str, subscribers: int, packets: list[bytes]) -> float:
    """CPU seconds to take ``packets`` in and forward each to ``subscribers`` downtracks."""
    loop = asyncio.get_running_loop()
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    transport, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0))
    codecs = [Codec("VP8", 90000, 97)]
    ids = ExtensionIds(mid=1, abs_send_time=3)
    receiver = Receiver(
        participant_id="publisher",
        mid="0",
        kind="video",
        codecs=codecs,
        rtx_payload_types={98: 97},
        ssrc=1,
        rtx_ssrc=2,
        send_rtcp=lambda data: True,
        rtcp_ssrc=3,
    )
    for i in range(subscribers):
        wire: Any = _Wire(mode, transport, sink.getsockname())
        downtrack = DownTrack(
            participant_id=f"subscriber-{i}",
            mid="0",
            kind="video",
            ssrc=100 + i,
            rtx_ssrc=200 + i,
            codecs=codecs,
            rtx_payload_types={97: 98},
            layout=extension_layout(ids, "0"),
            cname="bench",
            wire=wire,
        )
        downtrack.set_source(receiver)
    start = time.process_time()
    for data in packets:
        receiver.on_rtp(parse_rtp(data, ids), time.monotonic())
    elapsed = time.process_time() - start
    transport.close()
    sink.close()
    return elapsed


async def measure(subscribers: int, count: int) -> dict[str, float]:
    packets = _packets(count)
    forwarded = len(packets) * subscribers
    results = {}
    for mode in ("full", "protect", "python"):
        results[mode] = min([await _run(mode, subscribers, packets) for _ in range(3)])
    incoming = min([await _run("python", 0, packets) for _ in range(3)])
    return {
        "subscribers": subscribers,
        "us_per_forwarded_packet": round(results["full"] / forwarded * 1e6, 2),
        "us_srtp_protect": round((results["protect"] - results["python"]) / forwarded * 1e6, 2),
        "us_udp_send": round((results["full"] - results["protect"]) / forwarded * 1e6, 2),
        "us_python_forwarding": round((results["python"] - incoming) / forwarded * 1e6, 2),
        "us_python_per_incoming_packet": round(incoming / len(packets) * 1e6, 2),
    }


def packet_path_cost(subscribers: int = 10, count: int = 1000) -> dict[str, float]:
    """The breakdown for one publisher forwarded to ``subscribers``; best of three for each part."""
    return asyncio.run(measure(subscribers, count))


if __name__ == "__main__":
    for n in (1, 10, 50):
        print(packet_path_cost(n))
