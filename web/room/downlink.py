"""Which participants are on a line too weak for full-size pictures.

A commune on a rural line may not carry the main and speaker views at full size beside its thumbnails: its
pictures then freeze and its sound breaks up. A participant judged weak is sent the small copy of each camera
(the ``thumbnail`` track, ~200 kbit/s) in its main and speaker views as well (``layout.plan``): a smaller
picture that keeps moving.

The media server reports, per participant (``media.room.downlink``), the browser's receive estimate (REMB)
and the worst loss its receiver reports give for a video slot, beside what the server sends it
(``bitrate_out``). A browser's estimate never runs far ahead of what it receives (about 1.5 times: measured
with Chromium on loopback: 0.75–1.4 times what the server sent it, the lowest while a stream ramps up), so it
says nothing of a line's capacity. Nor does an estimate far below what is sent, on its own: when a site is sent
a new stream (the chair came, a new speaker) its browser's estimate climbs to it over some seconds (seen: under
half of what was sent, on loopback). An estimate far below what is sent *that does not climb* is the sign of an
overloaded line; loss is the plainer one. So:

* a reading is *weak* at 8 % loss or more, or when the estimate is under half of what is being sent and no
  higher than at the reading before;
* *clean* under 2 % loss with the estimate at 90 % of what is sent or more (or no estimate);
* weak after two weak readings in a row (a reading every ``rooms.TICK_SECONDS``);
* full size again after ``hold`` clean readings in a row — 30 s at first, doubled each time the same
  participant falls weak again (up to 5 minutes): nothing can show beforehand that the line now carries the
  full size, so it is tried, and a line that cannot is not made to flip back and forth.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

WEAK_LOSS = 0.08
CLEAN_LOSS = 0.02
WEAK_SHARE = 0.5  # estimate ÷ what is sent, below which the line is overloaded
CLEAN_SHARE = 0.90
MEANINGFUL_BPS = 100_000  # below this little is sent: the estimate says nothing either way
READINGS_TO_WEAK = 2
FIRST_HOLD = 15  # clean readings before full size is tried again; doubled per relapse
LONGEST_HOLD = 150


def reading(figures: Mapping[str, Any], previous_estimate: int | None = None) -> str:
    """'weak', 'clean' or 'unclear' (between the two: nothing changes on it). ``previous_estimate``: the one
    at the reading before (an estimate still climbing is not yet a sign of anything)."""
    loss = figures.get("downlink_loss") or 0.0
    estimate = figures.get("downlink_bps")
    sent = figures.get("bitrate_out") or 0
    share = estimate / sent if isinstance(estimate, int) and sent >= MEANINGFUL_BPS else None
    climbing = isinstance(estimate, int) and previous_estimate is not None and estimate > previous_estimate
    if loss >= WEAK_LOSS or (share is not None and share < WEAK_SHARE and not climbing):
        return "weak"
    if loss < CLEAN_LOSS and (share is None or share >= CLEAN_SHARE):
        return "clean"
    return "unclear"


@dataclass
class DownlinkJudge:
    first_hold: int = FIRST_HOLD
    weak: set[str] = field(default_factory=set)
    _streak: dict[str, int] = field(default_factory=dict)  # readings in a row that point the other way
    _relapses: dict[str, int] = field(default_factory=dict)  # times judged weak, while in the room
    _estimates: dict[str, int] = field(default_factory=dict)  # each one's estimate at the reading before

    def hold(self, pid: str) -> int:
        """Clean readings in a row before ``pid`` gets full-size pictures again."""
        doublings: int = max(0, self._relapses.get(pid, 1) - 1)
        return min(self.first_hold << doublings, LONGEST_HOLD)

    def update(self, figures: Mapping[str, Mapping[str, Any]]) -> bool:
        """Take one reading per participant (the media server's stats); True when ``weak`` changed."""
        changed = False
        for pid in [p for p in self.weak if p not in figures]:  # gone
            self.weak.discard(pid)
            changed = True
        for table in (self._streak, self._relapses, self._estimates):
            for pid in [p for p in table if p not in figures]:
                del table[pid]
        for pid, values in figures.items():
            now_weak = pid in self.weak
            verdict = reading(values, self._estimates.get(pid))
            estimate = values.get("downlink_bps")
            if isinstance(estimate, int):
                self._estimates[pid] = estimate
            if verdict != ("clean" if now_weak else "weak"):
                self._streak.pop(pid, None)
                continue
            self._streak[pid] = self._streak.get(pid, 0) + 1
            if self._streak[pid] < (self.hold(pid) if now_weak else READINGS_TO_WEAK):
                continue
            del self._streak[pid]
            if now_weak:
                self.weak.discard(pid)
            else:
                self.weak.add(pid)
                self._relapses[pid] = self._relapses.get(pid, 0) + 1
            changed = True
        return changed
