"""The hotline's send rate (HUB_SEND_RATE): carriers filter a number that sends faster than its
type allows (a long code about 1 message a second, toll-free 3, a short code 100) as a flood, and
Twilio queues what comes faster, first in first out, so that an alert to ten thousand subscribers
handed over at once would hold up a specialist's alert behind it. The worker therefore sends no
faster than the rate, and takes no more rows at a time than it sends in about a second, so that
the outbox's priority order (bot/notify/outbox.py PRIORITY) decides what goes next.
"""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

# How much sending one claim covers: a message more urgent than those claimed waits at most this.
CLAIM_SECONDS = 1.0


class SendPace:
    """Spaces sends at least 1/rate seconds apart. No burst is saved up while idle: after a pause
    the first send goes at once and the next one a whole interval later. Clock and sleep can be
    replaced (tests use a fake clock)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        if rate <= 0:
            raise ValueError("the send rate must be more than zero")
        self.rate, self.interval = rate, 1.0 / rate
        self._clock, self._sleep = clock, sleep
        self._next = float("-inf")
        self._lock = threading.Lock()

    def wait(self) -> float:
        """Block until the next send may go; return the time it goes at (the clock's)."""
        with self._lock:
            now = self._clock()
            if now < self._next:
                self._sleep(self._next - now)
                now = max(self._clock(), self._next)
            self._next = now + self.interval
            return now

    def batch(self, most: int) -> int:
        """How many rows to claim at once: about CLAIM_SECONDS of sending, at least one."""
        return max(1, min(most, math.floor(self.rate * CLAIM_SECONDS)))
