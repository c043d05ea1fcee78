"""Pre-encoded media the benchmark's publishers replay, so that the load generator stays cheap.

A few seconds of VP8 (640x360, 15 fps, about 1 Mbit/s, a keyframe every second, the frame index drawn
into each picture) and of Opus (a tone, 20 ms packets), encoded once with PyAV and cached on disk.
"""

from __future__ import annotations

import fractions
import math
import os
import random
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import av
from av import AudioFrame, VideoFrame

from media.bench.sources import BITS, BLOCK

FPS = 15
SECONDS = 4
KEYFRAME_EVERY = FPS
VP8_MAX_PAYLOAD = 1200


@dataclass(frozen=True)
class EncodedFrame:
    data: bytes
    keyframe: bool


def _texture(width: int, height: int, index: int, noise: bytes) -> VideoFrame:
    """A moving gradient, a band of fresh noise (so the encoder spends its bitrate) and the frame index."""
    ramp = bytes(i & 0xFF for i in range(width + 256))
    rows = [ramp[(y * 2 + index * 3) & 0xFF :][:width] for y in range(height)]
    band = 32
    offset = (index * 7919 * width) % (len(noise) - width * band)
    for i in range(band):
        rows[100 + i] = noise[offset + i * width : offset + (i + 1) * width]
    for y in range(BLOCK):
        row = bytearray(rows[y])
        for bit in range(BITS):
            value = 235 if (index >> (BITS - 1 - bit)) & 1 else 16
            row[bit * BLOCK : (bit + 1) * BLOCK] = bytes([value]) * BLOCK
        rows[y] = bytes(row)
    frame = VideoFrame(width, height, "yuv420p")
    frame.planes[0].update(b"".join(rows))
    chroma = bytes([128]) * ((width // 2) * (height // 2))
    frame.planes[1].update(chroma)
    frame.planes[2].update(chroma)
    return frame


def encode_video(width: int = 640, height: int = 360, bitrate: int = 1_000_000) -> list[EncodedFrame]:
    codec = av.CodecContext.create("libvpx", "w")
    codec.width, codec.height, codec.pix_fmt = width, height, "yuv420p"
    codec.bit_rate = bitrate
    codec.framerate = fractions.Fraction(FPS, 1)
    codec.time_base = fractions.Fraction(1, FPS)
    codec.gop_size = KEYFRAME_EVERY
    codec.options = {
        "deadline": "realtime",
        "cpu-used": "8",
        "lag-in-frames": "0",
        "minrate": str(bitrate),
        "maxrate": str(bitrate),
        "bufsize": str(bitrate),
        "undershoot-pct": "100",
        "overshoot-pct": "15",
    }
    noise = random.Random(1).randbytes(width * height)
    frames: list[EncodedFrame] = []
    for index in range(FPS * SECONDS):
        picture = _texture(width, height, index, noise)
        picture.pts = index
        if index % KEYFRAME_EVERY == 0:
            picture.pict_type = av.video.frame.PictureType.I
        frames.extend(EncodedFrame(bytes(p), bool(p.is_keyframe)) for p in codec.encode(picture))
    frames.extend(EncodedFrame(bytes(p), bool(p.is_keyframe)) for p in codec.encode(None))
    return frames


def encode_audio(frequency: float = 440.0) -> list[bytes]:
    codec = av.CodecContext.create("libopus", "w")
    codec.sample_rate = 48000
    codec.layout = "mono"
    codec.format = "s16"
    codec.bit_rate = 32000
    packets: list[bytes] = []
    samples = 960
    for index in range(50 * SECONDS):
        pcm = b"".join(
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * frequency * (index * samples + i) / 48000)))
            for i in range(samples)
        )
        frame = AudioFrame(format="s16", layout="mono", samples=samples)
        frame.planes[0].update(pcm)
        frame.sample_rate = 48000
        frame.pts = index * samples
        frame.time_base = fractions.Fraction(1, 48000)
        packets.extend(bytes(p) for p in codec.encode(frame))
    return packets


def _cache_path(name: str) -> Path:
    return Path(tempfile.gettempdir()) / f"giaoban-bench-{name}-v1.bin"


def _write(path: Path, items: list[tuple[bool, bytes]]) -> None:
    partial = path.with_suffix(f".{os.getpid()}.part")
    with partial.open("wb") as out:
        for flag, data in items:
            out.write(struct.pack("!BI", flag, len(data)) + data)
    partial.replace(path)


def _read(path: Path) -> list[tuple[bool, bytes]]:
    data = path.read_bytes()
    items, pos = [], 0
    while pos < len(data):
        flag, size = struct.unpack_from("!BI", data, pos)
        items.append((bool(flag), data[pos + 5 : pos + 5 + size]))
        pos += 5 + size
    return items


def video_clip() -> list[EncodedFrame]:
    """The VP8 clip, from the cache when it is there (encoding takes a few seconds)."""
    path = _cache_path("vp8-640x360")
    if path.exists():
        return [EncodedFrame(data, key) for key, data in _read(path)]
    frames = encode_video()
    _write(path, [(f.keyframe, f.data) for f in frames])
    return frames


def audio_clip() -> list[bytes]:
    path = _cache_path("opus-tone")
    if path.exists():
        return [data for _, data in _read(path)]
    packets = encode_audio()
    _write(path, [(False, p) for p in packets])
    return packets


def vp8_payloads(frame: bytes, picture_id: int) -> list[bytes]:
    """RFC 7741 payloads for one frame: a descriptor with a 15-bit picture id, S set on the first packet."""
    count = max(1, math.ceil(len(frame) / VP8_MAX_PAYLOAD))
    size = math.ceil(len(frame) / count)
    payloads = []
    for i in range(count):
        start = 0x10 if i == 0 else 0x00
        descriptor = bytes([0x80 | start, 0x80, 0x80 | (picture_id >> 8), picture_id & 0xFF])
        payloads.append(descriptor + frame[i * size : (i + 1) * size])
    return payloads
