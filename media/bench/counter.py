"""A benchmark subscriber's view of one received stream, at the RTP level: complete frames, losses, NACKs."""

from __future__ import annotations

from dataclasses import dataclass

# As a browser does: ask again every 60 ms, six times at most; with too much missing, ask for a keyframe instead.
NACK_RETRIES = 6
NACK_INTERVAL = 0.06
MAX_MISSING = 150


@dataclass
class Frame:
    seen: float
    keyframe: bool = False
    start: int = -1
    end: int = -1
    count: int = 0
    complete: float = 0.0


class StreamCounter:
    """One received stream at the RTP level: packets, complete frames, losses asked for again."""

    def __init__(self, kind: str, label: str, ssrc: int, rtx_ssrc: int | None) -> None:
        self.kind = kind
        self.label = label
        self.ssrc = ssrc
        self.rtx_ssrc = rtx_ssrc
        self.packets = 0
        self.window_packets = 0
        self.in_window = False
        self.first_frame: float | None = None
        self.first_packet: float | None = None
        self.frames: dict[int, Frame] = {}
        self.done: list[Frame] = []  # frames no longer being assembled, in the order first seen
        self._received: set[int] = set()
        self._max_seq = -1
        self.missing: dict[int, list[float]] = {}
        self.gave_up = 0
        self.keyframe_wanted = False
        self.last_pli = 0.0

    def on_packet(self, seq: int, timestamp: int, marker: int, payload: bytes, now: float) -> None:
        self.packets += 1
        if self.first_packet is None:
            self.first_packet = now
        if self.in_window:
            self.window_packets += 1
        if seq in self._received:
            return
        self._received.add(seq)
        self.missing.pop(seq, None)
        if self._max_seq < 0:
            self._max_seq = seq
        else:
            delta = (seq - self._max_seq) & 0xFFFF
            if 0 < delta < 0x8000:
                if delta < 300:
                    for gap in range(1, delta):
                        self.missing[(self._max_seq + gap) & 0xFFFF] = [now, 0]
                if delta >= 300 or len(self.missing) > MAX_MISSING:
                    self.missing.clear()
                    self.keyframe_wanted = True
                self._max_seq = seq
        if len(self._received) > 4096:
            floor = self._max_seq
            self._received = {s for s in self._received if (floor - s) & 0xFFFF < 2048}
        if self.kind != "video":
            if self.first_frame is None:
                self.first_frame = now
            return
        frame = self.frames.get(timestamp)
        if frame is None:
            frame = self.frames[timestamp] = Frame(seen=now)
        frame.count += 1
        if payload and payload[0] & 0x10 and not payload[0] & 0x07:
            frame.start = seq
            # VP8 payload header after a 4-byte descriptor (what aiortc's and our packetizers write).
            size = _descriptor_size(payload)
            frame.keyframe = len(payload) > size and not payload[size] & 0x01
        if marker:
            frame.end = seq
        if frame.start >= 0 and frame.end >= 0 and frame.count == ((frame.end - frame.start) & 0xFFFF) + 1:
            frame.complete = now
            if self.first_frame is None:
                self.first_frame = now
        if len(self.frames) > 64:
            self._retire(now)

    def needs_payload(self, timestamp: int) -> bool:
        """Whether a packet of this frame must be decrypted: only until the frame's first packet is known."""
        if self.kind != "video":
            return False
        frame = self.frames.get(timestamp)
        return frame is None or frame.start < 0

    def _retire(self, now: float) -> None:
        for timestamp, frame in list(self.frames.items()):
            if frame.complete or now - frame.seen > 2.0:
                self.done.append(frame)
                del self.frames[timestamp]
        if not self.in_window and len(self.done) > 200:  # outside a window, keep only a little history
            del self.done[:-50]

    def due_nacks(self, now: float) -> list[int]:
        ask = []
        for seq, state in list(self.missing.items()):
            if state[0] > now:
                continue
            if state[1] >= NACK_RETRIES:
                del self.missing[seq]
                self.gave_up += 1
                self.keyframe_wanted = True
                continue
            state[1] += 1
            state[0] = now + NACK_INTERVAL
            ask.append(seq)
        return ask[:200]

    def window_frames(self) -> list[Frame]:
        """Every frame first seen since the window started, complete or not (read after the window)."""
        return self.done + list(self.frames.values())


def _descriptor_size(payload: bytes) -> int:
    size = 1
    if payload[0] & 0x80 and len(payload) > 1:
        ext = payload[1]
        size = 2
        if ext & 0x80 and len(payload) > 2:
            size += 2 if payload[2] & 0x80 else 1
        if ext & 0x40:
            size += 1
        if ext & 0x30:
            size += 1
    return size
