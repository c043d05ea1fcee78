"""The recording file: H.264 video at a constant frame rate and AAC audio, in MP4.

Written under ``<name>.part`` and renamed to its name only when complete, so a half-written file is never
taken for a recording. Pictures of any size are scaled to fit the recording's size, proportions kept (black
bars where they differ); before the first picture the recording shows black.
"""

from __future__ import annotations

import contextlib
import fractions
import os
from pathlib import Path

import av
from av import AudioFrame, VideoFrame

from media.recorder.mixing import BYTES, RATE


def black(width: int, height: int) -> VideoFrame:
    frame = VideoFrame(width, height, "yuv420p")
    for i, plane in enumerate(frame.planes):
        plane.update((b"\x10" if i == 0 else b"\x80") * plane.buffer_size)
    return frame


def fit(frame: VideoFrame, width: int, height: int) -> VideoFrame:
    """``frame`` scaled to fit ``width`` × ``height`` with its proportions kept, centred on black."""
    scale = min(width / frame.width, height / frame.height)
    w, h = max(2, round(frame.width * scale) // 2 * 2), max(2, round(frame.height * scale) // 2 * 2)
    scaled = frame.reformat(width=w, height=h, format="yuv420p")
    if (w, h) == (width, height):
        return scaled
    out = black(width, height)
    x, y = (width - w) // 4 * 2, (height - h) // 4 * 2  # even, so the half-size colour planes line up
    for i, (plane, source) in enumerate(zip(out.planes, scaled.planes, strict=True)):
        shift = 0 if i == 0 else 1
        rows, cols, left, top = h >> shift, w >> shift, x >> shift, y >> shift
        canvas, pixels = bytearray(bytes(plane)), bytes(source)
        for row in range(rows):
            start = (top + row) * plane.line_size + left
            canvas[start : start + cols] = pixels[row * source.line_size : row * source.line_size + cols]
        plane.update(bytes(canvas))
    return out


class Writer:
    def __init__(self, path: Path, *, fps: int, width: int, height: int) -> None:
        self.path = path
        self.part = path.with_name(path.name + ".part")
        self.fps = fps
        self.width, self.height = width, height
        self.container = av.open(str(self.part), "w", format="mp4", options={"movflags": "+faststart"})
        self.video = self.container.add_stream("libx264", rate=fps, options={"preset": "veryfast", "crf": "26"})
        self.video.width, self.video.height, self.video.pix_fmt = width, height, "yuv420p"
        self.video.codec_context.time_base = fractions.Fraction(1, fps)
        self.audio = self.container.add_stream("aac", rate=RATE, layout="mono")
        self.frames = 0
        self.samples = 0
        self._black = black(width, height)
        self._source: VideoFrame | None = None
        self._scaled: VideoFrame = self._black

    def picture(self, frame: VideoFrame | None) -> None:
        """The next video frame: ``frame`` scaled (the same source again is not scaled again), or black."""
        if frame is not None and frame is not self._source:
            self._source = frame
            self._scaled = fit(frame, self.width, self.height)
        out = self._scaled if frame is not None else self._black
        out.pts = self.frames
        out.time_base = fractions.Fraction(1, self.fps)
        self.frames += 1
        for packet in self.video.encode(out):
            self.container.mux(packet)

    def sound(self, pcm: bytes) -> None:
        """The next mono s16 chunk at ``RATE``."""
        samples = len(pcm) // BYTES
        frame = AudioFrame(format="s16", layout="mono", samples=samples)
        frame.planes[0].update(pcm)
        frame.sample_rate = RATE
        frame.pts = self.samples
        frame.time_base = fractions.Fraction(1, RATE)
        self.samples += samples
        for packet in self.audio.encode(frame):
            self.container.mux(packet)

    @property
    def duration(self) -> float:
        return max(self.frames / self.fps, self.samples / RATE)

    def finish(self) -> None:
        """Flush the encoders, close the file and give it its name."""
        for stream in (self.video, self.audio):
            for packet in stream.encode(None):
                self.container.mux(packet)
        self.container.close()
        os.replace(self.part, self.path)

    def abandon(self) -> None:
        """A recording that failed: no half file is left to be listed."""
        with contextlib.suppress(Exception):  # the file is removed anyway
            self.container.close()
        self.part.unlink(missing_ok=True)
