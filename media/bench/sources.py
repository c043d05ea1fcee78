"""Synthetic media for tests and the benchmark: a moving picture that carries a number, and a tone.

The number is drawn as a row of black and white blocks (one bit each) along the top of the picture,
so a decoder can read it back without any image processing beyond thresholding: the benchmark stamps
send times into it to measure latency, the tests a frame counter.
"""

from __future__ import annotations

import asyncio
import fractions
import math
import time

from aiortc.mediastreams import MediaStreamTrack
from av import AudioFrame, VideoFrame

BITS = 40
BLOCK = 8  # pixels per bit, in both directions
VIDEO_CLOCK = 90000
AUDIO_RATE = 48000


_RAMP = bytes(i & 0xFF for i in range(4096 + 256))


def stamped_frame(width: int, height: int, number: int, phase: int) -> VideoFrame:
    """A YUV 4:2:0 frame: a moving gradient (so the encoder has work) with ``number`` drawn on top."""
    rows = [_RAMP[(y * 2 + phase * 3) & 0xFF :][:width] for y in range(height)]
    for y in range(min(BLOCK, height)):
        row = bytearray(rows[y])
        for bit in range(BITS):
            x0 = bit * BLOCK
            if x0 + BLOCK > width:
                break
            value = 235 if (number >> (BITS - 1 - bit)) & 1 else 16
            row[x0 : x0 + BLOCK] = bytes([value]) * BLOCK
        rows[y] = bytes(row)
    frame = VideoFrame(width, height, "yuv420p")
    frame.planes[0].update(b"".join(rows))
    chroma = bytes([128]) * ((width // 2) * (height // 2))
    frame.planes[1].update(chroma)
    frame.planes[2].update(chroma)
    return frame


def read_stamp(frame: VideoFrame) -> int:
    """The number drawn by :func:`stamped_frame`, read back from a decoded frame."""
    gray = frame.reformat(format="gray")
    data = bytes(gray.planes[0])
    stride = gray.planes[0].line_size
    number = 0
    y = BLOCK // 2
    for bit in range(BITS):
        x = bit * BLOCK + BLOCK // 2
        number = (number << 1) | (1 if data[y * stride + x] > 128 else 0)
    return number


class CounterVideoTrack(MediaStreamTrack):
    """Video at ``fps`` with a frame counter (or, with ``stamp_time``, the send time in µs) drawn in."""

    kind = "video"

    def __init__(self, width: int = 320, height: int = 240, fps: int = 15, stamp_time: bool = False) -> None:
        super().__init__()
        self.width, self.height, self.fps = width, height, fps
        self.stamp_time = stamp_time
        self.count = 0
        self._start: float | None = None

    async def recv(self) -> VideoFrame:
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self.count / self.fps
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        number = int(time.time() * 1_000_000) if self.stamp_time else self.count
        frame = stamped_frame(self.width, self.height, number & ((1 << BITS) - 1), self.count)
        frame.pts = int(self.count * VIDEO_CLOCK / self.fps)
        frame.time_base = fractions.Fraction(1, VIDEO_CLOCK)
        self.count += 1
        return frame


class ToneAudioTrack(MediaStreamTrack):
    """A 440 Hz tone in 20 ms frames, loud enough to be an active speaker (or silence, when ``silent``)."""

    kind = "audio"

    def __init__(self, silent: bool = False, frequency: float = 440.0) -> None:
        super().__init__()
        self.silent = silent
        self.frequency = frequency
        self._samples = 0
        self._start: float | None = None

    async def recv(self) -> AudioFrame:
        if self._start is None:
            self._start = time.monotonic()
        samples = AUDIO_RATE // 50
        due = self._start + self._samples / AUDIO_RATE
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        amplitude = 0 if self.silent else 8000
        pcm = bytearray()
        for i in range(samples):
            value = int(amplitude * math.sin(2 * math.pi * self.frequency * (self._samples + i) / AUDIO_RATE))
            pcm += value.to_bytes(2, "little", signed=True)
        frame = AudioFrame(format="s16", layout="mono", samples=samples)
        frame.planes[0].update(bytes(pcm))
        frame.sample_rate = AUDIO_RATE
        frame.pts = self._samples
        frame.time_base = fractions.Fraction(1, AUDIO_RATE)
        self._samples += samples
        return frame
