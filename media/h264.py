"""H264 over RTP (RFC 6184): what the forwarder needs to know, which is only where keyframes start."""

from __future__ import annotations


def is_keyframe_start(payload: bytes) -> bool:
    """Whether an H264 RTP payload (RFC 6184) carries the start of an IDR picture or its SPS."""
    if not payload:
        return False
    nal_type = payload[0] & 0x1F
    if nal_type in (5, 7):
        return True
    if nal_type == 24:  # STAP-A: a list of (16-bit size, NAL unit)
        pos = 1
        while pos + 3 <= len(payload):
            size = (payload[pos] << 8) | payload[pos + 1]
            if size == 0:
                return False
            if payload[pos + 2] & 0x1F in (5, 7):
                return True
            pos += 2 + size
        return False
    if nal_type == 28 and len(payload) >= 2:  # FU-A: only its first fragment starts the NAL unit
        return bool(payload[1] & 0x80) and payload[1] & 0x1F in (5, 7)
    return False
