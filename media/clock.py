"""Clocks: monotonic seconds for everything local, NTP for what goes on the wire."""

from __future__ import annotations

import time

NTP_EPOCH_OFFSET = 2208988800


def ntp_now() -> int:
    """The current wall-clock time as a 64-bit NTP timestamp."""
    now = time.time() + NTP_EPOCH_OFFSET
    seconds = int(now)
    return (seconds << 32) | int((now - seconds) * 4294967296.0)
