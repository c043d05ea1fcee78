"""A loss-based estimate of a publisher's uplink, sent back to it as REMB so that its encoder ramps up.

Browsers start low (about 300 kbit/s) and raise their bitrate only as far as the receiver's REMB allows.
The server decodes nothing, so it cannot judge quality; it judges the link by loss, as the loss-based
half of Google Congestion Control does: under 2 % grow by 8 % a report, over 10 % cut in proportion to
the loss, in between hold.
"""

from __future__ import annotations


class UplinkEstimate:
    def __init__(self, start: int, floor: int, ceiling: int) -> None:
        self.floor = floor
        self.ceiling = ceiling
        self.bitrate = max(floor, min(start, ceiling))

    def update(self, fraction_lost: float, received_bitrate: float) -> int:
        """The new estimate in bit/s, given the loss (0..1) and the bitrate received over the last interval."""
        if fraction_lost > 0.10:
            self.bitrate = int(self.bitrate * (1 - 0.5 * fraction_lost))
        elif fraction_lost < 0.02:
            self.bitrate = int(self.bitrate * 1.08)
        # Never promise far more than the publisher proves it can send, so a lull cannot build up a promise
        # the link cannot keep when the sender picks up again.
        if received_bitrate > 0:
            self.bitrate = min(self.bitrate, int(received_bitrate * 1.5) + 300_000)
        self.bitrate = max(self.floor, min(self.bitrate, self.ceiling))
        return self.bitrate
