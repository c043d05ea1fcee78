"""The machine's floor for forwarding one packet: one SRTP protect and one UDP send, nothing in Python between.

No forwarding server can do with less; ``us_per_packet`` is judged against this, measured in the same run.
The protect is done the cheapest way Python can (libsrtp called directly, as the server does), the send on
a plain socket to a receiver in another process that reads everything, as the benchmark's subscribers do:
on loopback a good part of a send's cost is waking its reader up, and a socket nobody reads would hide it.
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
import time

from pylibsrtp import Policy, Session

from media.wire import _Protector

_READER = """
import socket, sys
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 0))
sys.stdout.write(str(sock.getsockname()[1]) + "\\n")
sys.stdout.flush()
sock.settimeout(5.0)
try:
    while sock.recv(2048) != b"end":
        pass
except OSError:
    pass
"""


def floor_us_per_packet(count: int = 20000, size: int = 1100) -> float:
    """CPU µs per (protect + sendto) of a ``size``-byte RTP packet, over ``count`` packets."""
    policy = Policy(
        key=os.urandom(30), ssrc_type=Policy.SSRC_ANY_OUTBOUND, srtp_profile=Policy.SRTP_PROFILE_AES128_CM_SHA1_80
    )
    session = _Protector(Session(policy))
    reader = subprocess.Popen([sys.executable, "-c", _READER], stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout is not None
        target = ("127.0.0.1", int(reader.stdout.readline()))
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        payload = os.urandom(size - 12)
        start = time.process_time()
        for seq in range(count):
            packet = struct.pack("!BBHII", 0x80, 96, seq & 0xFFFF, seq * 3000, 0x1234) + payload
            sender.sendto(session.protect(packet) or b"", target)
        elapsed = time.process_time() - start
        sender.sendto(b"end", target)
        sender.close()
    finally:
        try:
            reader.wait(timeout=10)
        except subprocess.TimeoutExpired:
            reader.kill()
            reader.wait()
    return elapsed / count * 1e6
