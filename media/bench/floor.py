"""The machine's floor for forwarding one packet: one SRTP protect and one UDP send, nothing in Python between.

No forwarding server can do with less; ``us_per_packet`` is judged against this, measured in the same run.
The protect is done the cheapest way Python can (libsrtp called directly, as the server does), the send on
a plain socket.
"""

from __future__ import annotations

import os
import socket
import struct
import time

from pylibsrtp import Policy, Session

from media.wire import _Protector


def floor_us_per_packet(count: int = 20000, size: int = 1100) -> float:
    """CPU µs per (protect + sendto) of a ``size``-byte RTP packet, over ``count`` packets."""
    policy = Policy(
        key=os.urandom(30), ssrc_type=Policy.SSRC_ANY_OUTBOUND, srtp_profile=Policy.SRTP_PROFILE_AES128_CM_SHA1_80
    )
    session = _Protector(Session(policy))
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    target = sink.getsockname()
    payload = os.urandom(size - 12)
    start = time.process_time()
    for seq in range(count):
        packet = struct.pack("!BBHII", 0x80, 96, seq & 0xFFFF, seq * 3000, 0x1234) + payload
        # Nobody reads the sink: once its buffer is full the kernel drops what arrives, the send still costs.
        sender.sendto(session.protect(packet) or b"", target)
    elapsed = time.process_time() - start
    sender.close()
    sink.close()
    return elapsed / count * 1e6
