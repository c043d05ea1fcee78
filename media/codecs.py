"""Negotiated codecs as the forwarding path needs them, and which publisher codec a subscriber can take."""

from __future__ import annotations

from dataclasses import dataclass

from aiortc.rtcrtpparameters import RTCRtpCodecParameters


@dataclass(frozen=True, slots=True)
class Codec:
    name: str  # "VP8", "H264", "opus", ... as in the SDP, upper-cased for video
    clock_rate: int
    payload_type: int
    # H264 only: packetization-mode and profile (profile_idc + constraint flags), which must match to forward.
    h264_mode: str = ""
    h264_profile: str = ""

    @classmethod
    def from_aiortc(cls, codec: RTCRtpCodecParameters) -> Codec:
        name = codec.name.upper() if codec.mimeType.lower().startswith("video/") else codec.name.lower()
        mode = profile = ""
        if name == "H264":
            mode = str(codec.parameters.get("packetization-mode", "0"))
            profile = str(codec.parameters.get("profile-level-id", "42e01f"))[:4].lower()
        return cls(name, codec.clockRate, codec.payloadType or 0, mode, profile)

    def forwards_to(self, other: Codec) -> bool:
        """Whether this codec's packets can be forwarded unchanged to a subscriber that negotiated ``other``."""
        if self.name != other.name or self.clock_rate != other.clock_rate:
            return False
        if self.name == "H264":
            return self.h264_mode == other.h264_mode and _h264_profile_idc(self) == _h264_profile_idc(other)
        return True


def _h264_profile_idc(codec: Codec) -> str:
    # 42 = baseline; constrained baseline (42e0) and baseline (4200) decode each other's streams in practice,
    # which is what browsers assume too.
    return codec.h264_profile[:2]


def is_rtx(codec: RTCRtpCodecParameters) -> bool:
    return codec.name.lower() == "rtx"


def payload_type_map(source: list[Codec], target: list[Codec]) -> dict[int, int]:
    """For each source payload type, the target payload type of a codec it can be forwarded to."""
    mapping: dict[int, int] = {}
    for codec in source:
        for candidate in target:
            if codec.forwards_to(candidate):
                mapping[codec.payload_type] = candidate.payload_type
                break
    return mapping
