"""VP8 payload descriptor (RFC 7741 section 4.2): reading it, and the codec munger that rewrites it.

When a downtrack switches source, the subscriber's decoder must see picture ids and TL0PICIDX keep
increasing, as if one encoder had produced the whole stream; otherwise it takes the new source's
frames for late or duplicated ones. The munger adds per-epoch offsets to these fields.
"""

from __future__ import annotations

from media.errors import MalformedPacket

# What the receiver keeps of a packet's descriptor: picture id (-1 if absent), its width in bits (0, 7, 15),
# TL0PICIDX (-1 if absent), KEYIDX (-1 if absent), and the descriptor's length in bytes.
Vp8Descriptor = tuple[int, int, int, int, int]


def parse_descriptor(payload: bytes) -> tuple[Vp8Descriptor, bool, bool]:
    """The descriptor, whether the packet starts a frame, and whether that frame is a keyframe."""
    size = len(payload)
    if size < 1:
        raise MalformedPacket("vp8_truncated")
    b0 = payload[0]
    pos = 1
    picture_id = -1
    width = 0
    tl0 = -1
    keyidx = -1
    if b0 & 0x80:
        if size < 2:
            raise MalformedPacket("vp8_truncated")
        ext = payload[1]
        pos = 2
        if ext & 0x80:
            if size < pos + 1:
                raise MalformedPacket("vp8_truncated")
            if payload[pos] & 0x80:
                if size < pos + 2:
                    raise MalformedPacket("vp8_truncated")
                picture_id = ((payload[pos] & 0x7F) << 8) | payload[pos + 1]
                width = 15
                pos += 2
            else:
                picture_id = payload[pos]
                width = 7
                pos += 1
        if ext & 0x40:
            if size < pos + 1:
                raise MalformedPacket("vp8_truncated")
            tl0 = payload[pos]
            pos += 1
        if ext & 0x30:
            if size < pos + 1:
                raise MalformedPacket("vp8_truncated")
            if ext & 0x10:
                keyidx = payload[pos] & 0x1F
            pos += 1
    frame_start = bool(b0 & 0x10) and (b0 & 0x07) == 0
    keyframe = frame_start and size > pos and not payload[pos] & 0x01
    return (picture_id, width, tl0, keyidx, pos), frame_start, keyframe


class Vp8Munger:
    """Offsets for one epoch of a downtrack (one source, from one keyframe on)."""

    __slots__ = ("keyidx_offset", "picture_offset", "tl0_offset")

    def __init__(self, picture_offset: int = 0, tl0_offset: int = 0, keyidx_offset: int = 0) -> None:
        self.picture_offset = picture_offset
        self.tl0_offset = tl0_offset
        self.keyidx_offset = keyidx_offset

    @property
    def is_identity(self) -> bool:
        return not (self.picture_offset or self.tl0_offset or self.keyidx_offset)

    @classmethod
    def continuing(cls, last_out: Vp8Descriptor | None, first_in: Vp8Descriptor) -> Vp8Munger:
        """Offsets so that ``first_in`` comes right after ``last_out`` (the previous epoch's last descriptor)."""
        if last_out is None:
            return cls()
        picture_offset = tl0_offset = keyidx_offset = 0
        if first_in[0] >= 0 and last_out[0] >= 0:
            modulus = 1 << first_in[1]
            picture_offset = (last_out[0] + 1 - first_in[0]) % modulus
        if first_in[2] >= 0 and last_out[2] >= 0:
            tl0_offset = (last_out[2] + 1 - first_in[2]) % 256
        if first_in[3] >= 0 and last_out[3] >= 0:
            keyidx_offset = (last_out[3] + 1 - first_in[3]) % 32
        return cls(picture_offset, tl0_offset, keyidx_offset)

    def out_descriptor(self, desc: Vp8Descriptor) -> Vp8Descriptor:
        """The descriptor values the subscriber sees for ``desc``."""
        picture_id, width, tl0, keyidx, size = desc
        if picture_id >= 0:
            picture_id = (picture_id + self.picture_offset) % (1 << width)
        if tl0 >= 0:
            tl0 = (tl0 + self.tl0_offset) % 256
        if keyidx >= 0:
            keyidx = (keyidx + self.keyidx_offset) % 32
        return picture_id, width, tl0, keyidx, size

    def rewrite(self, payload: bytes, desc: Vp8Descriptor) -> bytes:
        """The payload with its descriptor rewritten; the VP8 data after it is untouched."""
        picture_id, width, tl0, keyidx, size = self.out_descriptor(desc)
        head = bytearray(payload[:size])
        pos = 2
        if width == 15:
            head[pos] = 0x80 | (picture_id >> 8)
            head[pos + 1] = picture_id & 0xFF
            pos += 2
        elif width == 7:
            head[pos] = picture_id
            pos += 1
        if tl0 >= 0:
            head[pos] = tl0
            pos += 1
        if keyidx >= 0:
            head[pos] = (head[pos] & 0xE0) | keyidx
        return bytes(head) + payload[size:]
