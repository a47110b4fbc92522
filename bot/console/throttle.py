"""Failed sign-ins per client address, in this console process: past the limit within the window,
further attempts from that address are refused before any password is checked (on top of the
per-account lockout, which stops guessing one account from many addresses). Sign-ins that
succeed do not count: a busy office behind one address is not locked out by its own staff."""
from __future__ import annotations

import time
from collections import deque


class Throttle:
    def __init__(self, limit: int = 10, window_seconds: float = 300.0, clock=time.monotonic):
        self.limit, self.window, self.clock = limit, window_seconds, clock
        self._failures: dict[str, deque] = {}

    def _recent(self, address: str, now: float) -> deque:
        failures = self._failures.setdefault(address, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def allow(self, address: str) -> bool:
        """Whether `address` may try now."""
        return len(self._recent(address, self.clock())) < self.limit

    def failed(self, address: str) -> None:
        now = self.clock()
        self._recent(address, now).append(now)
        if len(self._failures) > 10000:  # forget addresses that have gone quiet
            for key in [k for k, v in self._failures.items() if not v or v[-1] <= now - self.window]:
                del self._failures[key]
