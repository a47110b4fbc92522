"""Sign-in attempts per client address, in this console process: past the limit within the window,
further attempts are refused before any password is checked (on top of the per-account lockout,
which stops guessing one account from many addresses)."""
from __future__ import annotations

import time
from collections import deque


class Throttle:
    def __init__(self, limit: int = 10, window_seconds: float = 300.0, clock=time.monotonic):
        self.limit, self.window, self.clock = limit, window_seconds, clock
        self._attempts: dict[str, deque] = {}

    def allow(self, address: str) -> bool:
        """Whether `address` may try now; counts the attempt when it may."""
        now = self.clock()
        attempts = self._attempts.setdefault(address, deque())
        while attempts and attempts[0] <= now - self.window:
            attempts.popleft()
        if len(attempts) >= self.limit:
            return False
        attempts.append(now)
        if len(self._attempts) > 10000:  # forget addresses that have gone quiet
            for key in [k for k, v in self._attempts.items() if not v or v[-1] <= now - self.window]:
                del self._attempts[key]
        return True
