"""The RTP munger: one continuous outgoing stream per downtrack, whatever sources it carries in turn.

A downtrack's life is a series of *epochs*: one source, from a keyframe (video) or any packet (audio)
on. Each epoch maps the source's sequence numbers, timestamps and VP8 picture ids onto the outgoing
stream with fixed offsets chosen so that its first packet follows the previous epoch's last one —
sequence numbers without a gap, timestamps advanced by the wall-clock time in between. Old epochs are
kept a little while so that NACKs for their packets can still be answered.
"""

from __future__ import annotations

import random

from media.receiver import Receiver
from media.rtp import RtpPacket
from media.vp8 import Vp8Descriptor, Vp8Munger

KEPT_EPOCHS = 4


class Epoch:
    __slots__ = (
        "out_seq_first",
        "out_seq_last",
        "pt_map",
        "receiver",
        "seq_offset",
        "src_seq_first",
        "ts_offset",
        "vp8",
    )

    def __init__(
        self,
        receiver: Receiver,
        pt_map: dict[int, int],
        src_seq_first: int,
        seq_offset: int,
        ts_offset: int,
        vp8: Vp8Munger | None,
    ) -> None:
        self.receiver = receiver
        # The source's payload types -> the subscriber's, for the same codecs.
        self.pt_map = pt_map
        self.src_seq_first = src_seq_first
        self.seq_offset = seq_offset
        self.ts_offset = ts_offset
        # None when the payload goes out untouched (not VP8, or offsets all zero).
        self.vp8 = vp8
        self.out_seq_first = (src_seq_first + seq_offset) & 0xFFFF
        self.out_seq_last = self.out_seq_first

    def admits(self, seq: int) -> bool:
        """Whether a source packet belongs to this epoch (not older than its first packet)."""
        return ((seq - self.src_seq_first) & 0xFFFF) < 0x8000

    def covers(self, out_seq: int) -> bool:
        return ((out_seq - self.out_seq_first) & 0xFFFF) <= ((self.out_seq_last - self.out_seq_first) & 0xFFFF)


class RtpMunger:
    """Sequence-number, timestamp and picture-id continuity for one downtrack."""

    __slots__ = (
        "clock_rate",
        "epoch",
        "last_out_seq",
        "last_out_time",
        "last_out_ts",
        "last_vp8",
        "last_vp8_munger",
        "old_epochs",
    )

    def __init__(self, clock_rate: int) -> None:
        self.clock_rate = clock_rate
        self.epoch: Epoch | None = None
        self.old_epochs: list[Epoch] = []
        self.last_out_seq = -1
        self.last_out_ts = 0
        self.last_out_time = 0.0
        # The newest packet sent so far, updated by the downtrack on its hot path: its VP8 descriptor as the
        # source wrote it, and the munger that was applied to it (None: sent untouched).
        self.last_vp8: Vp8Descriptor | None = None
        self.last_vp8_munger: Vp8Munger | None = None

    def start_epoch(self, receiver: Receiver, packet: RtpPacket, now: float, pt_map: dict[int, int]) -> Epoch:
        """A new epoch whose first packet is ``packet``, continuing the outgoing stream."""
        if self.last_out_seq < 0:
            # The subscriber has seen nothing yet: start anywhere in the lower half of the sequence space
            # (as aiortc does, to stay clear of a wrap early on), and keep VP8 descriptors as they are.
            seq_offset = (random.randrange(0x8000) - packet.seq) & 0xFFFF
            ts_offset = (random.getrandbits(32) - packet.timestamp) & 0xFFFFFFFF
            vp8: Vp8Munger | None = None
        else:
            seq_offset = (self.last_out_seq + 1 - packet.seq) & 0xFFFF
            step = max(1, int((now - self.last_out_time) * self.clock_rate))
            ts_offset = (self.last_out_ts + step - packet.timestamp) & 0xFFFFFFFF
            vp8 = None
            if packet.vp8 is not None:
                last = self.last_vp8
                if last is not None and self.last_vp8_munger is not None:
                    last = self.last_vp8_munger.out_descriptor(last)
                munger = Vp8Munger.continuing(last, packet.vp8)
                vp8 = None if munger.is_identity else munger
        if self.epoch is not None:
            self.old_epochs.append(self.epoch)
            del self.old_epochs[:-KEPT_EPOCHS]
        self.epoch = Epoch(receiver, pt_map, packet.seq, seq_offset, ts_offset, vp8)
        return self.epoch

    def stop_epoch(self) -> None:
        """End the current epoch (pause, or the source went away); the next packet starts a new one."""
        if self.epoch is not None:
            self.old_epochs.append(self.epoch)
            del self.old_epochs[:-KEPT_EPOCHS]
            self.epoch = None

    def epoch_of(self, out_seq: int) -> Epoch | None:
        """The epoch an outgoing sequence number was sent in, if it is still remembered."""
        if self.epoch is not None and self.epoch.covers(out_seq):
            return self.epoch
        for epoch in reversed(self.old_epochs):
            if epoch.covers(out_seq):
                return epoch
        return None

    def forget(self, receiver: Receiver) -> None:
        """Drop every reference to a receiver that is going away."""
        self.old_epochs = [e for e in self.old_epochs if e.receiver is not receiver]
        if self.epoch is not None and self.epoch.receiver is receiver:
            self.epoch = None
