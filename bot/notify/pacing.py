"""The hotline's send rate (HUB_SEND_RATE): carriers filter a number that sends faster than its
type allows (a long code about 1 message a second, toll-free 3, a short code 100) as a flood, and
Twilio queues what comes faster, first in first out, so that an alert to ten thousand subscribers
handed over at once would hold up a specialist's alert behind it. The worker therefore sends no
faster than the rate, and takes no more rows at a time than it sends in about a second, so that
the outbox's priority order (bot/notify/outbox.py PRIORITY) decides what goes next.

The rate is the number's, shared by every worker: before each send a worker takes the number's
next free send time from a store all workers see (`SendSlots`: the lock store's Redis in
production, the database otherwise, bot/notify/send_slots.py), which moves it one interval on in
the same atomic step. Two workers therefore never send closer together than one worker would,
and a worker that sleeps until its time never takes another's.
"""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Protocol

# How much sending the workers' claims cover together: a message more urgent than those claimed
# waits at most about this.
CLAIM_SECONDS = 1.0


class SendSlots(Protocol):
    """Where the next free send time of each number is kept."""

    def take(self, number: str, interval: float) -> tuple[float, float]:
        """Take the number's next send time and move it `interval` on, in one atomic step; return
        (the time this send may go, now), both on the store's own clock, in seconds."""


class InProcessSlots:
    """Send times kept in this process only: for one process alone (tests, a tool)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def take(self, number: str, interval: float) -> tuple[float, float]:
        with self._lock:
            now = self._clock()
            at = max(now, self._next.get(number, now))
            self._next[number] = at + interval
            return at, now


class SendPace:
    """Spaces one number's sends at least 1/rate seconds apart. No burst is saved up while idle:
    after a pause the first send goes at once and the next one a whole interval later. The send
    times come from `slots` (in this process only unless given); clock and sleep can be replaced
    (tests use a fake clock)."""

    def __init__(self, rate: float, slots: SendSlots | None = None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        if rate <= 0:
            raise ValueError("the send rate must be more than zero")
        self.rate, self.interval = rate, 1.0 / rate
        self.slots: SendSlots = slots if slots is not None else InProcessSlots(clock)
        self._sleep = sleep

    def wait(self, number: str = "") -> float:
        """Take the number's next send time, and block until it; return it (on the slots' clock)."""
        at, now = self.slots.take(number, self.interval)
        if at > now:
            self._sleep(at - now)
        return at

    def batch(self, most: int, workers: int = 1) -> int:
        """How many rows to claim at once: this worker's share of about CLAIM_SECONDS of sending
        when `workers` send at the rate together, at least one. The workers' claims together then
        still cover about CLAIM_SECONDS, so that a more urgent message waits no longer with two
        workers than with one."""
        return max(1, min(most, math.floor(self.rate * CLAIM_SECONDS / max(1, workers))))
