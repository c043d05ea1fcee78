"""RTCP (RFC 3550, 4585, 5104, REMB draft): the few packet types the server reads and writes.

The parser is strict and bounded: a compound packet that is not well formed is refused whole, and a
NACK never expands to more than ``MAX_NACK_SEQUENCES`` sequence numbers, whatever its length claims.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from media.errors import MalformedPacket

SR, RR, SDES, BYE, RTPFB, PSFB = 200, 201, 202, 203, 205, 206
FMT_NACK = 1
FMT_PLI, FMT_FIR, FMT_APP = 1, 4, 15
MAX_NACK_SEQUENCES = 256
MAX_REMB_SSRCS = 32

_REPORT = struct.Struct("!IB3sIIII")
_SENDER_INFO = struct.Struct("!IQIII")


@dataclass(slots=True)
class ReportBlock:
    ssrc: int
    fraction_lost: int
    cumulative_lost: int
    highest_seq: int
    jitter: int
    lsr: int
    dlsr: int


@dataclass(slots=True)
class SenderReport:
    ssrc: int
    ntp: int
    rtp_timestamp: int
    packets: int
    octets: int
    reports: list[ReportBlock] = field(default_factory=list)


@dataclass(slots=True)
class ReceiverReport:
    ssrc: int
    reports: list[ReportBlock] = field(default_factory=list)


@dataclass(slots=True)
class Nack:
    media_ssrc: int
    sequences: list[int]
    truncated: bool = False


@dataclass(slots=True)
class KeyframeRequest:
    """PLI, or FIR (which names its target in the FCI rather than in media_ssrc)."""

    media_ssrc: int


@dataclass(slots=True)
class Remb:
    bitrate: int
    ssrcs: list[int]


@dataclass(slots=True)
class Bye:
    ssrcs: list[int]


Feedback = SenderReport | ReceiverReport | Nack | KeyframeRequest | Remb | Bye


def _report_blocks(data: bytes, pos: int, count: int, end: int) -> list[ReportBlock]:
    if pos + 24 * count > end:
        raise MalformedPacket("rtcp_truncated")
    blocks = []
    for _ in range(count):
        ssrc, fraction, lost, highest, jitter, lsr, dlsr = _REPORT.unpack_from(data, pos)
        cumulative = int.from_bytes(lost, "big", signed=True)
        blocks.append(ReportBlock(ssrc, fraction, cumulative, highest, jitter, lsr, dlsr))
        pos += 24
    return blocks


def parse_rtcp(data: bytes) -> list[Feedback]:
    """The packets of a clear compound RTCP datagram that the server acts on; others are skipped."""
    out: list[Feedback] = []
    pos = 0
    size = len(data)
    if size < 4:
        raise MalformedPacket("rtcp_truncated")
    while pos < size:
        if size - pos < 4:
            raise MalformedPacket("rtcp_truncated")
        b0, packet_type, words = struct.unpack_from("!BBH", data, pos)
        if b0 >> 6 != 2:
            raise MalformedPacket("rtcp_version")
        count = b0 & 0x1F
        end = pos + 4 + 4 * words
        if end > size:
            raise MalformedPacket("rtcp_truncated")
        body = pos + 4
        if b0 & 0x20:  # padding, only allowed on the last packet
            if end != size or data[end - 1] == 0 or data[end - 1] > end - body:
                raise MalformedPacket("rtcp_padding")
        if packet_type == SR:
            if end - body < 24:
                raise MalformedPacket("rtcp_truncated")
            ssrc, ntp, rtp_ts, packets, octets = _SENDER_INFO.unpack_from(data, body)
            out.append(SenderReport(ssrc, ntp, rtp_ts, packets, octets, _report_blocks(data, body + 24, count, end)))
        elif packet_type == RR:
            if end - body < 4:
                raise MalformedPacket("rtcp_truncated")
            ssrc = struct.unpack_from("!I", data, body)[0]
            out.append(ReceiverReport(ssrc, _report_blocks(data, body + 4, count, end)))
        elif packet_type == BYE:
            if body + 4 * count > end:
                raise MalformedPacket("rtcp_truncated")
            out.append(Bye(list(struct.unpack_from(f"!{count}I", data, body))))
        elif packet_type in (RTPFB, PSFB):
            if end - body < 8:
                raise MalformedPacket("rtcp_truncated")
            media_ssrc = struct.unpack_from("!I", data, body + 4)[0]
            fci = body + 8
            if packet_type == RTPFB and count == FMT_NACK:
                out.append(_parse_nack(data, fci, end, media_ssrc))
            elif packet_type == PSFB and count == FMT_PLI:
                out.append(KeyframeRequest(media_ssrc))
            elif packet_type == PSFB and count == FMT_FIR:
                if (end - fci) % 8:
                    raise MalformedPacket("rtcp_fir")
                for item in range(fci, end, 8):
                    out.append(KeyframeRequest(struct.unpack_from("!I", data, item)[0]))
            elif packet_type == PSFB and count == FMT_APP and data[fci : fci + 4] == b"REMB":
                out.append(_parse_remb(data, fci, end))
        pos = end
    return out


def _parse_nack(data: bytes, pos: int, end: int, media_ssrc: int) -> Nack:
    if (end - pos) % 4 or end == pos:
        raise MalformedPacket("rtcp_nack")
    sequences: list[int] = []
    truncated = False
    for item in range(pos, end, 4):
        pid, blp = struct.unpack_from("!HH", data, item)
        if len(sequences) >= MAX_NACK_SEQUENCES:
            truncated = True
            break
        sequences.append(pid)
        bit = 0
        while blp:
            if blp & 1:
                sequences.append((pid + bit + 1) & 0xFFFF)
            blp >>= 1
            bit += 1
    if len(sequences) > MAX_NACK_SEQUENCES:
        truncated = True
        del sequences[MAX_NACK_SEQUENCES:]
    return Nack(media_ssrc, sequences, truncated)


def _parse_remb(data: bytes, pos: int, end: int) -> Remb:
    if end - pos < 8:
        raise MalformedPacket("rtcp_remb")
    count = data[pos + 4]
    exponent = data[pos + 5] >> 2
    mantissa = ((data[pos + 5] & 0x03) << 16) | (data[pos + 6] << 8) | data[pos + 7]
    if count > MAX_REMB_SSRCS or pos + 8 + 4 * count > end:
        raise MalformedPacket("rtcp_remb")
    ssrcs = list(struct.unpack_from(f"!{count}I", data, pos + 8))
    return Remb(mantissa << exponent, ssrcs)


def _header(count: int, packet_type: int, body: bytes) -> bytes:
    return struct.pack("!BBH", 0x80 | count, packet_type, len(body) // 4) + body


def _blocks(reports: list[ReportBlock]) -> bytes:
    return b"".join(
        _REPORT.pack(
            r.ssrc,
            r.fraction_lost,
            max(-(1 << 23), min(r.cumulative_lost, (1 << 23) - 1)).to_bytes(3, "big", signed=True),
            r.highest_seq & 0xFFFFFFFF,
            r.jitter & 0xFFFFFFFF,
            r.lsr,
            r.dlsr,
        )
        for r in reports
    )


def sender_report(ssrc: int, ntp: int, rtp_timestamp: int, packets: int, octets: int) -> bytes:
    body = _SENDER_INFO.pack(ssrc, ntp, rtp_timestamp, packets & 0xFFFFFFFF, octets & 0xFFFFFFFF)
    return _header(0, SR, body)


def receiver_report(ssrc: int, reports: list[ReportBlock]) -> bytes:
    """One RR, or several when there are more than 31 report blocks."""
    chunks = [reports[i : i + 31] for i in range(0, len(reports), 31)] or [[]]
    return b"".join(_header(len(c), RR, struct.pack("!I", ssrc) + _blocks(c)) for c in chunks)


def source_description(ssrc: int, cname: str) -> bytes:
    text = cname.encode("utf8")[:255]
    chunk = struct.pack("!IBB", ssrc, 1, len(text)) + text + b"\x00"
    chunk += b"\x00" * (-len(chunk) % 4)
    return _header(1, SDES, chunk)


def picture_loss(sender_ssrc: int, media_ssrc: int) -> bytes:
    return _header(FMT_PLI, PSFB, struct.pack("!II", sender_ssrc, media_ssrc))


def nack(sender_ssrc: int, media_ssrc: int, sequences: list[int]) -> bytes:
    """A generic NACK for ``sequences`` (each a 16-bit number), packed as PID + bitmask items."""
    items = b""
    ordered = sorted(set(sequences), key=lambda s: (s - sequences[0]) & 0xFFFF)
    i = 0
    while i < len(ordered):
        pid = ordered[i]
        blp = 0
        i += 1
        while i < len(ordered) and 0 < (ordered[i] - pid) & 0xFFFF <= 16:
            blp |= 1 << (((ordered[i] - pid) & 0xFFFF) - 1)
            i += 1
        items += struct.pack("!HH", pid, blp)
    return _header(FMT_NACK, RTPFB, struct.pack("!II", sender_ssrc, media_ssrc) + items)


def remb(sender_ssrc: int, bitrate: int, ssrcs: list[int]) -> bytes:
    exponent = 0
    mantissa = max(0, bitrate)
    while mantissa > 0x3FFFF:
        mantissa >>= 1
        exponent += 1
    fci = b"REMB" + bytes([len(ssrcs), (exponent << 2) | (mantissa >> 16), (mantissa >> 8) & 0xFF, mantissa & 0xFF])
    fci += b"".join(struct.pack("!I", s) for s in ssrcs)
    return _header(FMT_APP, PSFB, struct.pack("!II", sender_ssrc, 0) + fci)
