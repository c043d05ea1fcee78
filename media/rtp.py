"""RTP packets as the forwarding path sees them: parsed once on arrival, shared by every downtrack.

The parser works on the clear (already unprotected) datagram and keeps the payload as the very bytes
that arrived, so a downtrack that needs no payload rewrite forwards them untouched.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from media.errors import MalformedPacket

_HEADER = struct.Struct("!BBHII")
pack_header = _HEADER.pack

RTP_VERSION_BITS = 0x80
_ONE_BYTE_PROFILE = 0xBEDE
_TWO_BYTE_PROFILE_MASK = 0xFFF0
_TWO_BYTE_PROFILE = 0x1000

URI_MID = "urn:ietf:params:rtp-hdrext:sdes:mid"
URI_AUDIO_LEVEL = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
URI_ABS_SEND_TIME = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"


@dataclass(frozen=True, slots=True)
class ExtensionIds:
    """The header-extension ids one side negotiated (0 = not negotiated)."""

    mid: int = 0
    audio_level: int = 0
    abs_send_time: int = 0

    @classmethod
    def from_uris(cls, pairs: list[tuple[int, str]]) -> ExtensionIds:
        found = {uri: ext_id for ext_id, uri in pairs if 0 < ext_id < 15}
        return cls(
            mid=found.get(URI_MID, 0),
            audio_level=found.get(URI_AUDIO_LEVEL, 0),
            abs_send_time=found.get(URI_ABS_SEND_TIME, 0),
        )


class RtpPacket:
    """One received RTP packet; ``payload`` excludes header, extensions and padding."""

    __slots__ = (
        "abs_send_time",
        "audio_level",
        "ext_cache",
        "keyframe",
        "marker",
        "mid",
        "padding",
        "payload",
        "payload_type",
        "seq",
        "ssrc",
        "timestamp",
        "voice",
        "vp8",
    )

    def __init__(self) -> None:
        self.ssrc = 0
        self.seq = 0
        self.timestamp = 0
        self.marker = 0
        self.payload_type = 0
        self.payload = b""
        self.padding = 0  # a padding-only packet (bandwidth probe) has no payload and this many padding bytes
        self.mid: bytes | None = None
        self.audio_level = -1  # RFC 6464 level in -dBov (0 loudest, 127 silence); -1 when absent
        self.voice = False
        self.abs_send_time: bytes | None = None
        self.keyframe = False
        # VP8 payload descriptor, when the packet is VP8: see media.vp8.
        self.vp8: tuple[int, int, int, int, int] | None = None
        # Output extension blocks already built for this packet, per downtrack layout.
        self.ext_cache: dict[object, bytes] | None = None


def parse_rtp(data: bytes, ids: ExtensionIds) -> RtpPacket:
    """Parse a clear RTP datagram; raises MalformedPacket for anything not well formed."""
    size = len(data)
    if size < 12:
        raise MalformedPacket("rtp_truncated")
    b0, b1, seq, ts, ssrc = _HEADER.unpack_from(data)
    if b0 >> 6 != 2:
        raise MalformedPacket("rtp_version")
    pos = 12 + 4 * (b0 & 0x0F)
    end = size
    packet = RtpPacket()
    if b0 & 0x10:
        if size < pos + 4:
            raise MalformedPacket("rtp_truncated")
        profile = (data[pos] << 8) | data[pos + 1]
        words = (data[pos + 2] << 8) | data[pos + 3]
        ext_start = pos + 4
        pos = ext_start + 4 * words
        if size < pos:
            raise MalformedPacket("rtp_truncated")
        if profile == _ONE_BYTE_PROFILE:
            _read_one_byte_extensions(packet, data, ext_start, pos, ids)
        elif profile & _TWO_BYTE_PROFILE_MASK == _TWO_BYTE_PROFILE:
            _read_two_byte_extensions(packet, data, ext_start, pos, ids)
    if b0 & 0x20:
        if pos >= end:
            raise MalformedPacket("rtp_padding")
        padding = data[-1]
        if padding == 0 or padding > end - pos:
            raise MalformedPacket("rtp_padding")
        end -= padding
        if end == pos:
            packet.padding = padding
    if pos > end:
        raise MalformedPacket("rtp_truncated")
    packet.ssrc = ssrc
    packet.seq = seq
    packet.timestamp = ts
    packet.marker = b1 >> 7
    packet.payload_type = b1 & 0x7F
    packet.payload = data[pos:end] if (pos or end != size) else data
    return packet


def _keep_extension(packet: RtpPacket, ext_id: int, value: bytes, ids: ExtensionIds) -> None:
    if ext_id == ids.audio_level and len(value) >= 1:
        level = value[0]
        packet.audio_level = level & 0x7F
        packet.voice = bool(level & 0x80)
    elif ext_id == ids.abs_send_time and len(value) == 3:
        packet.abs_send_time = value
    elif ext_id == ids.mid and 0 < len(value) <= 16:
        packet.mid = value


def _read_one_byte_extensions(packet: RtpPacket, data: bytes, pos: int, end: int, ids: ExtensionIds) -> None:
    while pos < end:
        head = data[pos]
        if head == 0:  # padding byte between elements
            pos += 1
            continue
        ext_id = head >> 4
        if ext_id == 15:  # reserved: stop reading (RFC 8285 section 4.2)
            return
        length = (head & 0x0F) + 1
        value_end = pos + 1 + length
        if value_end > end:
            raise MalformedPacket("rtp_extension")
        _keep_extension(packet, ext_id, data[pos + 1 : value_end], ids)
        pos = value_end


def _read_two_byte_extensions(packet: RtpPacket, data: bytes, pos: int, end: int, ids: ExtensionIds) -> None:
    while pos < end:
        ext_id = data[pos]
        if ext_id == 0:
            pos += 1
            continue
        if pos + 2 > end:
            raise MalformedPacket("rtp_extension")
        length = data[pos + 1]
        value_end = pos + 2 + length
        if value_end > end:
            raise MalformedPacket("rtp_extension")
        _keep_extension(packet, ext_id, data[pos + 2 : value_end], ids)
        pos = value_end


class ExtensionLayout:
    """What a downtrack writes into its packets' header extension: its slot's mid and the ids it negotiated.

    Layouts are shared by value (see :func:`extension_layout`) so that a packet builds each distinct
    extension block once, however many subscribers receive it.
    """

    __slots__ = ("_head", "_static", "_tail", "abs_send_time", "audio_level", "mid_element")

    def __init__(self, ids: ExtensionIds, mid: str) -> None:
        self.audio_level = ids.audio_level
        self.abs_send_time = ids.abs_send_time
        mid_bytes = mid.encode("ascii")[:16]
        self.mid_element = bytes([(ids.mid << 4) | (len(mid_bytes) - 1)]) + mid_bytes if ids.mid and mid_bytes else b""
        # Without an audio level the block's shape is fixed: built once, the send time spliced in per packet.
        body = len(self.mid_element) + (4 if self.abs_send_time else 0)
        pad = b"\x00" * (-body % 4)
        header = struct.pack("!HH", _ONE_BYTE_PROFILE, (body + len(pad)) // 4)
        self._static = header + self.mid_element + pad if body and not self.abs_send_time else b""
        self._head = header + self.mid_element + bytes([(self.abs_send_time << 4) | 2]) if self.abs_send_time else b""
        self._tail = pad

    def build(self, packet: RtpPacket, send_time: bytes) -> bytes:
        """The extension block (profile, length, elements, padding), or b"" when nothing is to be written."""
        if not self.audio_level or packet.audio_level < 0:
            return self._head + send_time + self._tail if self.abs_send_time else self._static
        body = self.mid_element
        if self.abs_send_time:
            body += bytes([(self.abs_send_time << 4) | 2]) + send_time
        body += bytes([self.audio_level << 4, (0x80 if packet.voice else 0) | packet.audio_level])
        body += b"\x00" * (-len(body) % 4)
        return struct.pack("!HH", _ONE_BYTE_PROFILE, len(body) // 4) + body


_layouts: dict[tuple[ExtensionIds, str], ExtensionLayout] = {}


def extension_layout(ids: ExtensionIds, mid: str) -> ExtensionLayout:
    """The one shared layout for these ids and this mid (a small, bounded set per process)."""
    key = (ids, mid)
    layout = _layouts.get(key)
    if layout is None:
        if len(_layouts) > 4096:
            _layouts.clear()
        layout = _layouts[key] = ExtensionLayout(ids, mid)
    return layout


def abs_send_time_now(ntp_time: int) -> bytes:
    """The 24-bit abs-send-time (6.18 fixed point seconds) for a 64-bit NTP time."""
    return ((ntp_time >> 14) & 0xFFFFFF).to_bytes(3, "big")


def seq_newer(a: int, b: int) -> bool:
    """True when 16-bit sequence number ``a`` comes after ``b``."""
    return a != b and ((a - b) & 0xFFFF) < 0x8000


def ts_newer(a: int, b: int) -> bool:
    """True when 32-bit RTP timestamp ``a`` comes after ``b``."""
    return a != b and ((a - b) & 0xFFFFFFFF) < 0x80000000
