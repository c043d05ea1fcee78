"""The packet layer on its own: RTP and RTCP parsing and writing, VP8 descriptors, the munger's continuity."""

from __future__ import annotations

import struct

import pytest

from media import rtcp
from media.buffer import NackTracker, PacketHistory, StreamStats
from media.errors import MalformedPacket
from media.h264 import is_keyframe_start
from media.rtp import ExtensionIds, RtpPacket, extension_layout, parse_rtp
from media.vp8 import Vp8Munger, parse_descriptor

IDS = ExtensionIds(mid=1, audio_level=2, abs_send_time=3)


def rtp(
    seq: int = 10,
    ts: int = 1000,
    ssrc: int = 0x11223344,
    pt: int = 96,
    payload: bytes = b"hello",
    ext: bytes = b"",
    marker: int = 0,
    padding: int = 0,
) -> bytes:
    b0 = 0x80 | (0x10 if ext else 0) | (0x20 if padding else 0)
    data = struct.pack("!BBHII", b0, (marker << 7) | pt, seq, ts, ssrc)
    if ext:
        ext += b"\x00" * (-len(ext) % 4)
        data += struct.pack("!HH", 0xBEDE, len(ext) // 4) + ext
    data += payload
    if padding:
        data += bytes(padding - 1) + bytes([padding])
    return data


def test_rtp_header_and_extensions_are_read() -> None:
    ext = bytes([0x10]) + b"7" + bytes([0x20, 0x80 | 30]) + bytes([0x32]) + b"\x01\x02\x03"
    packet = parse_rtp(rtp(seq=65535, ts=0xFFFFFFFF, ext=ext, marker=1), IDS)
    assert (packet.seq, packet.timestamp, packet.marker, packet.payload_type) == (65535, 0xFFFFFFFF, 1, 96)
    assert packet.payload == b"hello"
    assert packet.mid == b"7"
    assert (packet.audio_level, packet.voice) == (30, True)
    assert packet.abs_send_time == b"\x01\x02\x03"


def test_rtp_padding_is_stripped_and_padding_only_packets_are_marked() -> None:
    assert parse_rtp(rtp(payload=b"abc", padding=4), IDS).payload == b"abc"
    probe = parse_rtp(rtp(payload=b"", padding=200), IDS)
    assert (probe.payload, probe.padding) == (b"", 200)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x80\x60\x00", "rtp_truncated"),
        (b"\x40" + bytes(15), "rtp_version"),
        (bytes([0x90]) + rtp()[1:12] + b"\xbe\xde\x00\x05", "rtp_truncated"),  # extension longer than the packet
        (bytes([0x8F]) + rtp()[1:12] + bytes(8), "rtp_truncated"),  # 15 CSRCs announced, 2 present
        (bytes([0xA0]) + rtp()[1:12] + b"ab\x09", "rtp_padding"),  # padding longer than the payload
        (bytes([0x90]) + rtp()[1:12] + b"\xbe\xde\x00\x01" + bytes([0x1F, 1, 2, 3]), "rtp_extension"),
    ],
)
def test_malformed_rtp_is_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(MalformedPacket) as caught:
        parse_rtp(data, IDS)
    assert caught.value.reason == reason


def test_extension_layout_writes_the_subscribers_ids_and_its_own_mid() -> None:
    packet = parse_rtp(rtp(ext=bytes([0x10]) + b"0" + bytes([0x20, 0x80 | 12])), IDS)
    layout = extension_layout(ExtensionIds(mid=4, audio_level=9, abs_send_time=0), "12")
    block = layout.build(packet, b"\x00\x00\x01")
    assert block[:2] == b"\xbe\xde"
    words = struct.unpack("!H", block[2:4])[0]
    assert len(block) == 4 + 4 * words
    # mid "12" under id 4 (length 2 -> 0x41), then the audio level under id 9, padded to a word.
    assert block[4:] == bytes([0x41]) + b"12" + bytes([0x90, 0x80 | 12]) + b"\x00\x00\x00"
    assert extension_layout(ExtensionIds(mid=4, audio_level=9), "12") is layout


@pytest.mark.parametrize("mid", ["0", "12", "abcdefgh"])
@pytest.mark.parametrize(
    "ids",
    [
        ExtensionIds(),
        ExtensionIds(mid=1),
        ExtensionIds(mid=1, abs_send_time=3),
        ExtensionIds(abs_send_time=14),
        ExtensionIds(mid=2, audio_level=5, abs_send_time=3),
    ],
)
def test_extension_blocks_built_ahead_match_the_elements_written_one_by_one(ids: ExtensionIds, mid: str) -> None:
    video = parse_rtp(rtp(), IDS)
    block = extension_layout(ids, mid).build(video, b"\x0a\x0b\x0c")
    body = b""
    if ids.mid:
        body += bytes([(ids.mid << 4) | (len(mid) - 1)]) + mid.encode()
    if ids.abs_send_time:
        body += bytes([(ids.abs_send_time << 4) | 2]) + b"\x0a\x0b\x0c"
    body += bytes(-len(body) % 4)
    assert block == (struct.pack("!HH", 0xBEDE, len(body) // 4) + body if body else b"")


def test_vp8_descriptor_and_keyframe() -> None:
    # X=1, S=1, PID=0; I=1 with a 15-bit picture id 0x1234, L=1 TL0PICIDX 7; then a keyframe header (P=0).
    payload = bytes([0x90, 0xC0, 0x80 | 0x12, 0x34, 7, 0x10]) + b"rest"
    desc, start, keyframe = parse_descriptor(payload)
    assert desc == (0x1234, 15, 7, -1, 5)
    assert start and keyframe
    inter = bytes([0x90, 0x80, 0x92, 0x35, 0x11])
    assert parse_descriptor(inter)[2] is False
    middle = bytes([0x80, 0x80, 0x92, 0x35, 0x10])  # S=0: not the start of a frame, so never a keyframe
    assert parse_descriptor(middle)[1:] == (False, False)
    with pytest.raises(MalformedPacket):
        parse_descriptor(bytes([0x80, 0x80, 0x92]))


def test_vp8_munger_continues_picture_ids_across_a_switch() -> None:
    last_out = (32766, 15, 200, -1, 5)
    first_in = (100, 15, 3, -1, 5)
    munger = Vp8Munger.continuing(last_out, first_in)
    assert munger.out_descriptor(first_in)[:3] == (32767, 15, 201)
    assert munger.out_descriptor((101, 15, 3, -1, 5))[:3] == (0, 15, 201)  # 15-bit wrap
    payload = bytes([0x90, 0xC0, 0x80, 100, 3, 0x10]) + b"vp8 data"
    rewritten = munger.rewrite(payload, parse_descriptor(payload)[0])
    assert rewritten == bytes([0x90, 0xC0, 0xFF, 0xFF, 201, 0x10]) + b"vp8 data"
    assert Vp8Munger.continuing(None, first_in).is_identity


def test_h264_keyframe_detection() -> None:
    assert is_keyframe_start(bytes([0x65, 1, 2]))  # IDR slice
    assert is_keyframe_start(bytes([0x78, 0, 2, 0x67, 0x42, 0, 1, 0x68]))  # STAP-A starting with an SPS
    assert is_keyframe_start(bytes([0x7C, 0x85, 9]))  # FU-A, first fragment of an IDR
    assert not is_keyframe_start(bytes([0x7C, 0x05, 9]))  # FU-A, a later fragment
    assert not is_keyframe_start(bytes([0x41, 1]))  # non-IDR slice
    assert not is_keyframe_start(b"")


def test_rtcp_round_trip() -> None:
    block = rtcp.ReportBlock(ssrc=5, fraction_lost=12, cumulative_lost=-3, highest_seq=70000, jitter=9, lsr=1, dlsr=2)
    data = (
        rtcp.sender_report(1, 0x0102030405060708, 3000, 10, 2000)
        + rtcp.receiver_report(2, [block])
        + rtcp.source_description(2, "giaoban")
        + rtcp.picture_loss(2, 7)
        + rtcp.nack(2, 7, [100, 101, 116, 117, 200])
        + rtcp.remb(2, 1_500_000, [7, 8])
    )
    items = rtcp.parse_rtcp(data)
    assert items[0] == rtcp.SenderReport(1, 0x0102030405060708, 3000, 10, 2000, [])
    assert items[1] == rtcp.ReceiverReport(2, [block])
    assert items[2] == rtcp.KeyframeRequest(7)
    assert items[3] == rtcp.Nack(7, [100, 101, 116, 117, 200])
    assert isinstance(items[4], rtcp.Remb)
    assert items[4].ssrcs == [7, 8]
    assert abs(items[4].bitrate - 1_500_000) / 1_500_000 < 0.001


def test_huge_nack_lists_are_cut_short() -> None:
    items = b"".join(struct.pack("!HH", seq, 0xFFFF) for seq in range(0, 17 * 300, 17))
    data = struct.pack("!BBHII", 0x81, 205, 2 + 300, 1, 7) + items
    (nack,) = rtcp.parse_rtcp(data)
    assert isinstance(nack, rtcp.Nack)
    assert len(nack.sequences) == rtcp.MAX_NACK_SEQUENCES
    assert nack.truncated


@pytest.mark.parametrize(
    "data",
    [
        b"\x80\xc9",  # shorter than a header
        struct.pack("!BBH", 0x81, 201, 1) + b"\x00\x00\x00\x01",  # RR claiming one block, carrying none
        struct.pack("!BBH", 0x80, 200, 10) + bytes(8),  # length beyond the datagram
        struct.pack("!BBH", 0x40, 201, 1) + bytes(4),  # version 1
        struct.pack("!BBHII", 0x81, 205, 2, 1, 7),  # NACK without any item
    ],
)
def test_malformed_rtcp_is_refused(data: bytes) -> None:
    with pytest.raises(MalformedPacket):
        rtcp.parse_rtcp(data)


def test_nack_tracker_asks_retries_and_gives_up() -> None:
    tracker = NackTracker(max_tries=2, interval=0.04)
    assert tracker.add(65534, 0.0) == 1
    assert tracker.add(2, 0.0) == 1  # 65535, 0 and 1 are missing, across the wrap
    assert tracker.due(0.0, 0.0) == ([65535, 0, 1], 0)
    assert tracker.due(0.01, 0.0) == ([], 0)  # not yet time to ask again
    assert tracker.add(0, 0.02) == 2  # recovered
    assert tracker.add(0, 0.03) == 0  # duplicate
    assert tracker.due(0.05, 0.0) == ([65535, 1], 0)
    assert tracker.due(0.2, 0.0) == ([], 2)


def test_stream_stats_report_loss_and_wrap() -> None:
    stats = StreamStats(90000)
    for i, seq in enumerate([65530, 65531, 65533, 65534, 0, 1, 3]):
        stats.update(seq, i * 3000, i / 30, 100)
    block = stats.report(9, 0, 0)
    assert block.highest_seq == 65536 + 3
    assert block.cumulative_lost == 3
    assert block.fraction_lost == (3 << 8) // 10


def test_packet_history_keeps_the_latest_per_slot() -> None:
    history = PacketHistory(4)
    for seq in (1, 2, 5):
        packet = RtpPacket()
        packet.seq = seq
        history.put(packet)
    assert history.get(2) is not None
    assert history.get(1) is None  # overwritten by 5
    assert history.get(9) is None
    with pytest.raises(ValueError):
        PacketHistory(6)
