"""Slowing down password guessing: failed log-ins are counted per account name and per client address.

After ``per_account`` failures for one account name within ``window`` seconds, that name is refused until the
oldest of those failures is older than the window; the same for ``per_address`` failures from one address
(many names tried from one machine). A refused attempt does not check the password at all, so a guesser
cannot make the server spend an argon2 hash per try either. A successful log-in clears the account's count.

The counts live in the process: a deployment with several web processes multiplies the allowance by their
number, which still turns millions of guesses into dozens.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

PER_ACCOUNT = 5
PER_ADDRESS = 20
WINDOW_SECONDS = 15 * 60
MAX_KEYS = 10_000  # names and addresses remembered; the oldest are forgotten first


@dataclass
class LoginThrottle:
    per_account: int = PER_ACCOUNT
    per_address: int = PER_ADDRESS
    window: float = WINDOW_SECONDS
    clock: Callable[[], float] = time.monotonic
    _failures: OrderedDict[str, deque[float]] = field(default_factory=OrderedDict)

    @staticmethod
    def _keys(username: str, address: str) -> tuple[str, str]:
        return "name:" + username.strip().casefold(), "addr:" + address

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and now - times[0] >= self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def wait_seconds(self, username: str, address: str) -> int:
        """0 when this attempt may go ahead, else the whole seconds until it may."""
        now = self.clock()
        waits = [0.0]
        for key, limit in zip(self._keys(username, address), (self.per_account, self.per_address), strict=True):
            times = self._recent(key, now)
            if len(times) >= limit:
                waits.append(times[len(times) - limit] + self.window - now)
        return math.ceil(max(waits))

    def failed(self, username: str, address: str) -> None:
        now = self.clock()
        for key in self._keys(username, address):
            times = self._failures.setdefault(key, deque(maxlen=max(self.per_account, self.per_address)))
            times.append(now)
            self._failures.move_to_end(key)
        while len(self._failures) > MAX_KEYS:
            self._failures.popitem(last=False)

    def succeeded(self, username: str) -> None:
        self._failures.pop(self._keys(username, "")[0], None)
