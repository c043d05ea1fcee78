"""The recorder's inputs between two ticks of its clock: the audio of every slot, mixed, and the latest picture.

Audio arrives from each slot as decoded Opus (whatever layout and rate the decoder gives) at the network's
pace; each slot is resampled to mono 48 kHz and buffered. Every tick of the clock takes one chunk from each
slot that has enough, adds them up and clips the sum. A slot starts being read once a few chunks are buffered
(its jitter absorbed), and the buffer is kept short, so the mix stays within a fraction of a second of live.
"""

from __future__ import annotations

from array import array

from av import AudioFrame, AudioResampler, VideoFrame

RATE = 48000
CHUNK = RATE // 50  # 20 ms: one tick of the audio clock
PREBUFFER = 3  # chunks a slot holds before it is read (60 ms of jitter absorbed)
MAX_BUFFER = 25  # chunks beyond which the oldest audio is dropped (a slot never lags more than 0.5 s)
BYTES = 2  # s16


class SlotAudio:
    def __init__(self) -> None:
        self.resampler = AudioResampler(format="s16", layout="mono", rate=RATE)
        self.pcm = bytearray()
        self.playing = False

    def push(self, frame: AudioFrame) -> None:
        for out in self.resampler.resample(frame):
            self.pcm += bytes(out.planes[0])[: out.samples * BYTES]
        excess = len(self.pcm) - MAX_BUFFER * CHUNK * BYTES
        if excess > 0:
            del self.pcm[:excess]

    def take(self) -> bytes | None:
        """One chunk, or None while (re)filling after running dry."""
        size = CHUNK * BYTES
        if not self.playing:
            if len(self.pcm) < PREBUFFER * size:
                return None
            self.playing = True
        if len(self.pcm) < size:
            self.playing = False
            chunk = bytes(self.pcm) + bytes(size - len(self.pcm))
            self.pcm.clear()
            return chunk
        chunk = bytes(self.pcm[:size])
        del self.pcm[:size]
        return chunk


def mix(chunks: list[bytes]) -> bytes:
    """The sum of equal-length s16 chunks, clipped; silence when there are none."""
    if not chunks:
        return bytes(CHUNK * BYTES)
    if len(chunks) == 1:
        return chunks[0]
    total = [sum(samples) for samples in zip(*(array("h", c) for c in chunks), strict=True)]
    return array("h", [32767 if s > 32767 else -32768 if s < -32768 else s for s in total]).tobytes()


class Mixer:
    """The audio of every receive slot (by its mid), mixed a chunk at a time."""

    def __init__(self) -> None:
        self.slots: dict[str, SlotAudio] = {}

    def push(self, slot: str, frame: AudioFrame) -> None:
        self.slots.setdefault(slot, SlotAudio()).push(frame)

    def forget(self, slot: str) -> None:
        self.slots.pop(slot, None)

    def clear(self) -> None:
        self.slots.clear()

    def take(self) -> bytes:
        chunks = [c for c in (s.take() for s in self.slots.values()) if c is not None]
        return mix(chunks)


class Picture:
    """The latest decoded frame of each video slot (by its mid), and the one last recorded: when the recording
    switches to a slot that has not shown anything yet, the previous picture stays rather than a black one."""

    def __init__(self) -> None:
        self.frames: dict[str, VideoFrame] = {}
        self.shown: VideoFrame | None = None
        self.count = 0

    def push(self, slot: str, frame: VideoFrame) -> None:
        self.frames[slot] = frame
        self.count += 1

    def forget(self, slot: str) -> None:
        self.frames.pop(slot, None)

    def clear(self) -> None:
        self.frames.clear()

    def current(self, slot: str | None) -> VideoFrame | None:
        frame = self.frames.get(slot) if slot is not None else None
        if frame is not None:
            self.shown = frame
        return self.shown
