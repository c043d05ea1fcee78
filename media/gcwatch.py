"""The garbage collector in the media process: kept off the startup heap, and watched.

A forwarding server allocates a few objects per packet (the parsed packet, kept a few seconds in the
history for NACKs), so the collector runs often, and a full collection walks every object alive —
aiortc's, asyncio's, the modules'. ``settle()`` moves everything alive at startup out of the
collector's sight (``gc.freeze``) and makes the youngest generation larger, so that collections are
rarer and full ones shorter; ``GcWatch`` counts collections and their time, for ``inspect``.
"""

from __future__ import annotations

import gc
import time
from typing import Any

# Young collections every this many net allocations (CPython's default is 700).
GEN0_THRESHOLD = 10_000


def settle() -> None:
    """Call once the process has started: what exists now is never collected, and collections are rarer."""
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)


class GcWatch:
    """Collections by generation, with their total and longest time (seconds)."""

    def __init__(self) -> None:
        self.collections = [0, 0, 0]
        self.seconds = [0.0, 0.0, 0.0]
        self.longest = [0.0, 0.0, 0.0]
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        generation = info.get("generation", 0)
        took = time.perf_counter() - self._started
        self.collections[generation] += 1
        self.seconds[generation] += took
        self.longest[generation] = max(self.longest[generation], took)

    def report(self) -> dict[str, Any]:
        return {
            "collections": list(self.collections),
            "ms": [round(s * 1000, 1) for s in self.seconds],
            "longest_ms": [round(s * 1000, 2) for s in self.longest],
        }

    def close(self) -> None:
        if self._callback in gc.callbacks:
            gc.callbacks.remove(self._callback)
