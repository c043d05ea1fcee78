"""The active-speaker observer: who is talking, from the RFC 6464 audio levels publishers put in their RTP.

No audio is decoded. Each window, every audible track's mean level is compared; the loudest speaking
track becomes the active speaker only if it stays loudest for ``switch_windows`` windows in a row, so
that a cough does not move everyone's main view.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Level:
    participant_id: str
    level: float  # mean RFC 6464 level over the window, in -dBov: 0 loudest, 127 silent
    voice: float  # share of packets the sender flagged as voice


class ActiveSpeakerObserver:
    def __init__(self, speaking_level: float = 60.0, switch_windows: int = 2) -> None:
        self.speaking_level = speaking_level
        self.switch_windows = switch_windows
        self.active: str | None = None
        self._candidate: str | None = None
        self._candidate_windows = 0

    def observe(self, levels: Iterable[Level]) -> str | None:
        """Feed one window of levels; returns the new active speaker when it changes, else None."""
        speaking = [x for x in levels if x.level <= self.speaking_level]
        if not speaking:
            self._candidate, self._candidate_windows = None, 0
            return None
        loudest = min(speaking, key=lambda x: x.level).participant_id
        if loudest == self.active:
            self._candidate, self._candidate_windows = None, 0
            return None
        if loudest == self._candidate:
            self._candidate_windows += 1
        else:
            self._candidate, self._candidate_windows = loudest, 1
        if self._candidate_windows >= self.switch_windows or self.active is None:
            self.active = loudest
            self._candidate, self._candidate_windows = None, 0
            return loudest
        return None

    def forget(self, participant_id: str) -> None:
        if self.active == participant_id:
            self.active = None
        if self._candidate == participant_id:
            self._candidate, self._candidate_windows = None, 0
