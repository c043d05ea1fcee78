"""Which participants are on a line too weak for full-size pictures.

A commune on a rural line may not carry the main and speaker views at full size beside its thumbnails: its
pictures then freeze and its sound breaks up. The media server reports, per participant, what the browser
estimates it can receive (REMB) and the worst loss its receiver reports give for a video slot
(``media.room.downlink``). A participant judged weak is sent the small copy of each camera (the
``thumbnail`` track, ~200 kbit/s) in its main and speaker views as well (``layout.plan``): a smaller picture
that keeps moving. The judgement has hysteresis — weak after two readings in a row, strong again after five
good ones (a reading every ``rooms.TICK_SECONDS``) — so a picture does not flip back and forth.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

WEAK_BPS = 1_200_000  # below this estimate a full-size main view alone would fill the line
STRONG_BPS = 2_000_000  # at or above it (and loss below CLEAR_LOSS) full size fits again
WEAK_LOSS = 0.08
CLEAR_LOSS = 0.02
READINGS_TO_WEAK = 2
READINGS_TO_STRONG = 5


def reading(figures: Mapping[str, Any]) -> str:
    """'weak', 'strong' or 'unclear' (between the thresholds, or no estimate: nothing changes on it)."""
    bps = figures.get("downlink_bps")
    loss = figures.get("downlink_loss") or 0.0
    if loss >= WEAK_LOSS or (isinstance(bps, int) and bps < WEAK_BPS):
        return "weak"
    if isinstance(bps, int) and bps >= STRONG_BPS and loss < CLEAR_LOSS:
        return "strong"
    return "unclear"


@dataclass
class DownlinkJudge:
    weak: set[str] = field(default_factory=set)
    _streak: dict[str, int] = field(default_factory=dict)  # readings in a row that point the other way

    def update(self, figures: Mapping[str, Mapping[str, Any]]) -> bool:
        """Take one reading per participant (the media server's stats); True when ``weak`` changed."""
        changed = False
        for pid in [p for p in self.weak if p not in figures]:  # gone
            self.weak.discard(pid)
            changed = True
        for pid in [p for p in self._streak if p not in figures]:
            del self._streak[pid]
        for pid, values in figures.items():
            now_weak = pid in self.weak
            verdict = reading(values)
            pointing_away = (verdict == "strong") if now_weak else (verdict == "weak")
            if not pointing_away:
                self._streak.pop(pid, None)
                continue
            self._streak[pid] = self._streak.get(pid, 0) + 1
            if self._streak[pid] >= (READINGS_TO_STRONG if now_weak else READINGS_TO_WEAK):
                del self._streak[pid]
                if now_weak:
                    self.weak.discard(pid)
                else:
                    self.weak.add(pid)
                changed = True
        return changed
