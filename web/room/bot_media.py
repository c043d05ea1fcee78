"""What a synthetic site sends: a moving test picture with its name and a visible frame counter, and a tone.

Drawn with Pillow (already installed for the PDF documents); encoded by aiortc in the bot's own peer
connection. Bots are clients: encoding here is fine, the server never does.
"""

from __future__ import annotations

import asyncio
import fractions
import math
import time
import zlib
from functools import cache

from aiortc.mediastreams import MediaStreamTrack
from av import AudioFrame, VideoFrame
from PIL import Image, ImageDraw, ImageFont

VIDEO_CLOCK = 90000
AUDIO_RATE = 48000
AUDIO_FRAME = AUDIO_RATE // 50  # 20 ms


# Fonts with Vietnamese letters, where Debian puts them; Pillow's own font has none.
FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
)


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONTS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


@cache
def _strip(width: int, height: int, hue: int) -> Image.Image:
    """Colour bars twice as wide as the picture; each frame shows a window of it moved along."""
    strip = Image.new("RGB", (width * 2, height))
    draw = ImageDraw.Draw(strip)
    bars = 8
    for i in range(bars * 2):
        shade = (hue + i * 37) % 256
        colour = (shade, (shade * 3 + 80) % 256, (255 - shade) % 256)
        x0 = i * width // bars
        draw.rectangle((x0, 0, x0 + width // bars, height), fill=colour)
    return strip


TAG_BITS = 16
TAG_BLOCK = 8  # pixels per bit of the tag, in both directions


def tag_of(participant_id: str) -> int:
    """The number a bot draws into its picture so that receivers can tell whose picture they decode."""
    return zlib.crc32(participant_id.encode()) & ((1 << TAG_BITS) - 1)


def read_tag(frame: VideoFrame) -> int | None:
    """The tag drawn by :func:`pattern_picture`, read from a decoded (YUV 4:2:0) frame."""
    if frame.format.name != "yuv420p" or frame.width < TAG_BITS * TAG_BLOCK or frame.height < TAG_BLOCK:
        return None
    plane = frame.planes[0]
    row = bytes(plane)[(TAG_BLOCK // 2) * plane.line_size :][: TAG_BITS * TAG_BLOCK]
    tag = 0
    for bit in range(TAG_BITS):
        tag = (tag << 1) | (1 if row[bit * TAG_BLOCK + TAG_BLOCK // 2] > 128 else 0)
    return tag


def pattern_picture(width: int, height: int, label: str, count: int, hue: int = 0, tag: int = 0) -> Image.Image:
    """One frame: moving bars, the site's name and the frame number in large digits, and along the top edge
    the tag as black and white blocks."""
    offset = (count * 4) % width
    image = _strip(width, height, hue).crop((offset, 0, offset + width, height))
    draw = ImageDraw.Draw(image)
    for bit in range(TAG_BITS):
        white = (tag >> (TAG_BITS - 1 - bit)) & 1
        x0 = bit * TAG_BLOCK
        draw.rectangle((x0, 0, x0 + TAG_BLOCK - 1, TAG_BLOCK - 1), fill=(255, 255, 255) if white else (0, 0, 0))
    band = height // 3
    draw.rectangle((0, band, width, 2 * band), fill=(0, 0, 0))
    draw.text((8, band + 4), label[:40], fill=(255, 255, 255), font=_font(max(10, band // 4)))
    draw.text((8, band + band // 3), f"#{count}", fill=(255, 230, 0), font=_font(max(12, band // 2)))
    return image


class PatternTrack(MediaStreamTrack):
    """Video at ``fps`` frames a second, paced by the clock."""

    kind = "video"

    def __init__(
        self, label: str, width: int = 320, height: int = 240, fps: int = 15, hue: int = 0, tag: int = 0
    ) -> None:
        super().__init__()
        self.label, self.width, self.height, self.fps, self.hue, self.tag = label, width, height, fps, hue, tag
        self.count = 0
        self._start: float | None = None

    async def recv(self) -> VideoFrame:
        if self._start is None:
            self._start = time.monotonic()
        delay = self._start + self.count / self.fps - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        image = pattern_picture(self.width, self.height, self.label, self.count, self.hue, self.tag)
        frame: VideoFrame = VideoFrame.from_image(image)  # type: ignore[no-untyped-call]
        frame.pts = int(self.count * VIDEO_CLOCK / self.fps)
        frame.time_base = fractions.Fraction(1, VIDEO_CLOCK)
        self.count += 1
        return frame


@cache
def _tone_second(frequency: int, amplitude: int) -> bytes:
    """One second of a sine tone; a whole number of periods, so it loops without a click."""
    pcm = bytearray()
    for i in range(AUDIO_RATE):
        value = int(amplitude * math.sin(2 * math.pi * frequency * i / AUDIO_RATE))
        pcm += value.to_bytes(2, "little", signed=True)
    return bytes(pcm)


class ToneTrack(MediaStreamTrack):
    """A steady tone (loud enough to be the active speaker) or, with ``silent``, silence, in 20 ms frames."""

    kind = "audio"

    def __init__(self, frequency: int = 440, silent: bool = False, amplitude: int = 8000) -> None:
        super().__init__()
        self.silent = silent
        self.frequency, self.amplitude = frequency, amplitude
        self.samples = 0
        self._start: float | None = None

    async def recv(self) -> AudioFrame:
        if self._start is None:
            self._start = time.monotonic()
        delay = self._start + self.samples / AUDIO_RATE - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if self.silent:
            pcm = bytes(AUDIO_FRAME * 2)
        else:
            second = _tone_second(self.frequency, self.amplitude)
            start = (self.samples % AUDIO_RATE) * 2
            end = start + AUDIO_FRAME * 2
            pcm = second[start:end] if end <= len(second) else second[start:] + second[: end - len(second)]
        frame = AudioFrame(format="s16", layout="mono", samples=AUDIO_FRAME)
        frame.planes[0].update(pcm)
        frame.sample_rate = AUDIO_RATE
        frame.pts = self.samples
        frame.time_base = fractions.Fraction(1, AUDIO_RATE)
        self.samples += AUDIO_FRAME
        return frame
