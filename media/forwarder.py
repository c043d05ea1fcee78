"""The forwarder: which source a downtrack carries, and from which packet on.

It holds video back until a keyframe — for a new subscriber, after a pause, and when the slot switches
to another source (the old source keeps flowing until the new one's keyframe arrives, so the picture
never freezes on a switch).
"""

from __future__ import annotations

from media.receiver import Receiver, TrackSender
from media.rtp import RtpPacket
from media.rtpmunger import Epoch, RtpMunger


class Forwarder:
    __slots__ = ("downtrack", "munger", "pending", "pt_maps", "source", "video")

    def __init__(self, downtrack: TrackSender, munger: RtpMunger, video: bool) -> None:
        self.downtrack = downtrack
        self.munger = munger
        self.video = video
        self.source: Receiver | None = None
        self.pending: Receiver | None = None
        # Per receiver: its payload types -> the subscriber's payload types for the same codecs.
        self.pt_maps: dict[int, dict[int, int]] = {}

    def admit(self, packet: RtpPacket, receiver: Receiver, now: float) -> Epoch | None:
        """The epoch ``packet`` goes out in, or None when it must not be forwarded."""
        epoch = self.munger.epoch
        if epoch is not None and epoch.receiver is receiver:
            return epoch if epoch.admits(packet.seq) else None
        if receiver is not self.pending and receiver is not self.source:
            return None
        if self.video and not packet.keyframe:
            receiver.request_keyframe(now)
            return None
        if receiver is self.pending:
            self._drop(self.source)
            self.source = receiver
            self.pending = None
        return self.munger.start_epoch(receiver, packet, now, self.pt_maps[id(receiver)])

    def set_source(self, receiver: Receiver | None, pt_map: dict[int, int], now: float) -> None:
        """Carry ``receiver`` from now on (None: carry nothing)."""
        if receiver is None:
            self._drop(self.source)
            self._drop(self.pending)
            self.source = self.pending = None
            self.munger.stop_epoch()
            return
        if receiver is self.source:
            self._drop(self.pending)
            self.pending = None
            return
        if receiver is self.pending:
            return
        self.pt_maps[id(receiver)] = pt_map
        receiver.add_downtrack(self.downtrack)
        if self.video and self.source is not None and self.munger.epoch is not None:
            self._drop(self.pending)
            self.pending = receiver
        else:
            self._drop(self.pending)
            self._drop(self.source)
            self.munger.stop_epoch()
            self.source = receiver
            self.pending = None
        if self.video:
            receiver.request_keyframe(now)

    def restart(self, receiver: Receiver, now: float) -> None:
        """The source resumed after a pause: start a fresh epoch (at a keyframe, for video)."""
        epoch = self.munger.epoch
        if epoch is not None and epoch.receiver is receiver:
            self.munger.stop_epoch()
        if self.video and receiver is self.source:
            receiver.request_keyframe(now)

    def forget(self, receiver: Receiver) -> None:
        """The receiver is gone (its publisher left): nothing of it may stay referenced."""
        self.munger.forget(receiver)
        self.pt_maps.pop(id(receiver), None)
        if self.source is receiver:
            self.source = None
        if self.pending is receiver:
            self.pending = None

    def _drop(self, receiver: Receiver | None) -> None:
        # Old epochs keep their own reference to the receiver and its payload-type map, so NACKs for
        # packets sent before the switch can still be answered.
        if receiver is not None:
            receiver.remove_downtrack(self.downtrack)
            self.pt_maps.pop(id(receiver), None)
