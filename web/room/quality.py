"""Connection quality per participant, from what the media server measures (loss on the way in, round trip)
and what the participant's browser reports (loss and round trip on the way out to it).

Levels: ``good``, ``fair``, ``poor``, or ``unknown`` when there is nothing to judge yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

GOOD_LOSS, FAIR_LOSS = 0.02, 0.08
GOOD_RTT_MS, FAIR_RTT_MS = 250.0, 600.0


def level(loss: float | None, rtt_ms: float | None) -> str:
    if loss is None and rtt_ms is None:
        return "unknown"
    loss = loss or 0.0
    rtt = rtt_ms or 0.0
    if loss < GOOD_LOSS and rtt < GOOD_RTT_MS:
        return "good"
    if loss < FAIR_LOSS and rtt < FAIR_RTT_MS:
        return "fair"
    return "poor"


@dataclass
class QualityMeter:
    """Turns successive cumulative counters into the loss of the last interval."""

    counters: dict[str, tuple[int, int]] = field(default_factory=dict)  # participant -> (received, lost)

    def levels(self, server: dict[str, Any], client: dict[str, dict[str, float]]) -> dict[str, str]:
        result: dict[str, str] = {}
        for pid in set(server) | set(client):
            stats = server.get(pid) or {}
            uplink_loss = None
            if stats.get("state") == "connected":
                received, lost = int(stats.get("packets_received", 0)), int(stats.get("packets_lost", 0))
                before = self.counters.get(pid, (0, 0))
                self.counters[pid] = (received, lost)
                got, missed = received - before[0], max(0, lost - before[1])
                if got + missed > 0:
                    uplink_loss = missed / (got + missed)
            mine = client.get(pid, {})
            losses = [x for x in (uplink_loss, mine.get("loss")) if x is not None]
            rtts = [x for x in (stats.get("rtt_ms"), mine.get("rtt_ms")) if x is not None]
            result[pid] = level(max(losses) if losses else None, max(rtts) if rtts else None)
        for pid in list(self.counters):
            if pid not in server:
                del self.counters[pid]
        return result
