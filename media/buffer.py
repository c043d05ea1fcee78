"""The receive side of one published stream: packet history, loss and jitter statistics, and NACK tracking.

Nothing here waits or reorders: packets are forwarded on arrival, and these structures only remember
what came so that losses can be asked for upstream, retransmissions answered downstream, and receiver
reports written.
"""

from __future__ import annotations

from media.rtcp import ReportBlock
from media.rtp import RtpPacket

# A gap larger than this is not a loss to recover but a jump (the sender restarted its sequence).
MAX_GAP = 512
# More missing than this at once: the link is in trouble, and a keyframe will mend the picture sooner.
MAX_MISSING = 256


class PacketHistory:
    """The last ``size`` packets by sequence number, for answering NACKs without asking the publisher."""

    __slots__ = ("_mask", "_slots")

    def __init__(self, size: int) -> None:
        if size & (size - 1):
            raise ValueError("history size must be a power of two")
        self._mask = size - 1
        self._slots: list[RtpPacket | None] = [None] * size

    def put(self, packet: RtpPacket) -> None:
        self._slots[packet.seq & self._mask] = packet

    def get(self, seq: int) -> RtpPacket | None:
        packet = self._slots[seq & self._mask]
        if packet is not None and packet.seq == seq:
            return packet
        return None

    def clear(self) -> None:
        self._slots = [None] * len(self._slots)


class StreamStats:
    """RFC 3550 appendix A.3 / A.8 bookkeeping for the receiver reports the server sends its publishers."""

    __slots__ = (
        "_base",
        "_cycles",
        "_expected_prior",
        "_last_arrival",
        "_last_ts",
        "_max_seq",
        "_received_prior",
        "bytes",
        "clock_rate",
        "jitter_q4",
        "received",
    )

    def __init__(self, clock_rate: int) -> None:
        self.clock_rate = clock_rate
        self._base = -1
        self._max_seq = -1
        self._cycles = 0
        self.received = 0
        self.bytes = 0
        self.jitter_q4 = 0
        self._last_arrival = 0.0
        self._last_ts = -1
        self._expected_prior = 0
        self._received_prior = 0

    def update(self, seq: int, timestamp: int, arrival: float, size: int) -> None:
        self.received += 1
        self.bytes += size
        if self._max_seq < 0:
            self._base = self._max_seq = seq
        else:
            delta = (seq - self._max_seq) & 0xFFFF
            if 0 < delta < 0x8000:
                if seq < self._max_seq:
                    self._cycles += 0x10000
                self._max_seq = seq
            else:
                return  # reordered or repeated: no jitter sample
        if self._last_ts >= 0 and timestamp != self._last_ts:
            ts_delta = (timestamp - self._last_ts) & 0xFFFFFFFF
            transit_delta = (arrival - self._last_arrival) * self.clock_rate - ts_delta
            if -self.clock_rate < transit_delta < self.clock_rate:  # ignore timestamp jumps
                self.jitter_q4 += int(abs(transit_delta)) - ((self.jitter_q4 + 8) >> 4)
        self._last_arrival = arrival
        self._last_ts = timestamp

    @property
    def extended_highest(self) -> int:
        return self._cycles + max(self._max_seq, 0)

    @property
    def expected(self) -> int:
        if self._max_seq < 0:
            return 0
        return self.extended_highest - self._base + 1

    @property
    def lost(self) -> int:
        return max(0, self.expected - self.received)

    def report(self, ssrc: int, lsr: int, dlsr: int) -> ReportBlock:
        """A report block for ``ssrc``; also starts the next interval for the fraction lost."""
        expected = self.expected
        interval_expected = expected - self._expected_prior
        interval_received = self.received - self._received_prior
        self._expected_prior = expected
        self._received_prior = self.received
        interval_lost = interval_expected - interval_received
        fraction = 0
        if interval_expected > 0 and interval_lost > 0:
            fraction = min(255, (interval_lost << 8) // interval_expected)
        return ReportBlock(
            ssrc=ssrc,
            fraction_lost=fraction,
            cumulative_lost=expected - self.received,
            highest_seq=self.extended_highest,
            jitter=self.jitter_q4 >> 4,
            lsr=lsr,
            dlsr=dlsr,
        )


class NackTracker:
    """Which sequence numbers are missing, and when to ask for each again."""

    __slots__ = ("_max_seq", "gave_up", "interval", "max_tries", "missing", "overflowed")

    def __init__(self, max_tries: int = 5, interval: float = 0.04) -> None:
        self._max_seq = -1
        self.missing: dict[int, list[float]] = {}  # seq -> [next ask time, tries so far]
        self.max_tries = max_tries
        self.interval = interval
        self.gave_up = 0
        self.overflowed = 0

    def add(self, seq: int, now: float) -> int:
        """Record an arrival. Returns 1 for a new packet, 2 for a recovered one, 0 for a duplicate or stale one.

        When the gaps pile up beyond ``MAX_MISSING``, they are dropped and counted in ``overflowed``: the
        receiver then asks for a keyframe rather than for hundreds of packets.
        """
        if self._max_seq < 0:
            self._max_seq = seq
            return 1
        delta = (seq - self._max_seq) & 0xFFFF
        if delta == 0:
            return 0
        if delta < 0x8000:
            if delta > MAX_GAP:
                self.missing.clear()
            else:
                for gap in range(1, delta):
                    self.missing[(self._max_seq + gap) & 0xFFFF] = [now, 0]
                if len(self.missing) > MAX_MISSING:
                    self.missing.clear()
                    self.overflowed += 1
            self._max_seq = seq
            return 1
        if self.missing.pop(seq, None) is not None:
            return 2
        return 0

    def due(self, now: float, rtt: float) -> tuple[list[int], int]:
        """Sequence numbers to NACK now, and how many were given up on since the last call."""
        if not self.missing:
            return [], 0
        ask: list[int] = []
        given_up = 0
        retry = max(self.interval, rtt * 1.2)
        for seq, state in list(self.missing.items()):
            if state[0] > now:
                continue
            if state[1] >= self.max_tries:
                del self.missing[seq]
                given_up += 1
                continue
            state[1] += 1
            state[0] = now + retry
            ask.append(seq)
        self.gave_up += given_up
        return ask, given_up
