"""Keyframe requests to a publisher: at once for the first subscriber, rate-limited after, never lost."""

from __future__ import annotations

import struct

from media import rtcp
from media.codecs import Codec
from media.receiver import Receiver
from media.rtp import ExtensionIds, parse_rtp


def receiver(sent: list[bytes], up: list[bool]) -> Receiver:
    def send(data: bytes) -> bool:
        if up[0]:
            sent.append(data)
        return up[0]

    return Receiver(
        participant_id="chair",
        mid="0",
        kind="video",
        codecs=[Codec("VP8", 90000, 96)],
        rtx_payload_types={},
        ssrc=1234,
        rtx_ssrc=None,
        send_rtcp=send,
        rtcp_ssrc=1,
        keyframe_interval=0.3,
    )


def vp8_keyframe(seq: int) -> bytes:
    # Descriptor: S bit, partition 0; VP8 payload header with the P bit clear (a keyframe).
    return struct.pack("!BBHII", 0x80, 0x80 | 96, seq, seq * 3000, 1234) + b"\x10\x00\x00\x00" + bytes(20)


def test_a_request_is_sent_at_once_then_rate_limited_and_sooner_once_answered() -> None:
    sent: list[bytes] = []
    up = [False]
    track = receiver(sent, up)
    assert not track.request_keyframe(10.0)  # the publisher's transport is not up: nothing sent...
    up[0] = True
    assert track.request_keyframe(10.01)  # ...so the first request that can go, goes at once
    assert [type(i) for i in rtcp.parse_rtcp(sent[0])] == [rtcp.KeyframeRequest]
    assert not track.request_keyframe(10.2)  # outstanding: one per 0.3 s
    assert track.request_keyframe(10.32)
    track.on_rtp(parse_rtp(vp8_keyframe(1), ExtensionIds()), 10.35)  # answered
    assert not track.request_keyframe(10.4)
    assert track.request_keyframe(10.43)  # answered: a third of the interval is enough
    assert len(sent) == 3 and track.keyframe_requests == 3
