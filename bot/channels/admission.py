"""Never silent under load (DESIGN.md, principle 7): what stands between the webhooks and Rasa.

- The answer deadline. A webhook waits for its turn at most `HUB_ANSWER_DEADLINE` (8 s, inside
  Twilio's 15 s); past it the texter gets a short holding reply, and the turn's answer follows
  through the outbox when it is ready (SMS), or the call is told to wait and come back for it
  (voice, `<Redirect>`).
- Admission. At most `HUB_TURNS_IN_FLIGHT` turns are inside Rasa at once; the others wait in a
  queue taken by priority (an overdose first, then a person whose handoff waits on their answer,
  then everyone else), first come first served within each. Rasa runs a turn's models on its
  event loop, so more turns at once do not finish sooner: they only make every turn slower,
  the overdose text's too.
- The bound. When more turns wait than Rasa can answer within the deadline (its measured
  capacity, `HUB_TURN_CAPACITY`, times half the deadline), a newcomer is not kept waiting for
  nothing: the holding reply goes at once, and the turn still runs when its turn comes. Nothing
  is dropped.
- One sender, one turn at a time, in the order their messages arrived: twenty texts in a second
  from one number are twenty turns one after the other, not twenty turns fighting over the
  conversation's lock.

All of it lives in one Rasa server's event loop. Several servers each admit their own share;
the conversation's order across servers is the lock store's (Redis in production).
"""
from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from enum import IntEnum
from typing import Any, TypeVar

from bot.blocking import run_blocking
from bot.config import Settings

_T = TypeVar("_T")


class Priority(IntEnum):
    """Who goes first into Rasa when turns wait (lower first)."""

    EMERGENCY = 0  # an overdose may be happening now
    HANDOFF = 1  # a handoff waits on this person's answer (consent, an officer's referral)
    OTHER = 2


class Admission:
    """A bounded, prioritised queue in front of Rasa, and each sender's turns in order."""

    def __init__(self, in_flight: int, bound: int):
        self.in_flight = in_flight
        self.bound = bound
        self._free = in_flight
        self._waiting: list[list] = []  # heap of [priority, arrival, future]
        self._arrivals = itertools.count()
        self._senders: dict[str, list] = {}  # key -> [lock, users]

    @classmethod
    def sized(cls, in_flight: int, capacity: float, deadline: float) -> Admission:
        """The bound from measured capacity: as many turns as Rasa completes in half the
        deadline, so that a turn admitted to wait is likely answered in time."""
        return cls(in_flight, max(1, int(capacity * deadline / 2)))

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def idle(self) -> bool:
        """No turn inside Rasa, waiting for it, or waiting behind its sender's earlier turn."""
        return self._free == self.in_flight and not self._waiting and not self._senders

    def crowded(self) -> bool:
        """More turns wait than can be answered within the deadline."""
        return len(self._waiting) >= self.bound

    @asynccontextmanager
    async def turn(self, priority: Priority) -> AsyncIterator[None]:
        """A place inside Rasa, taken by priority, held for the block."""
        await self._acquire(priority)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, priority: Priority) -> None:
        if self._free > 0 and not self._waiting:
            self._free -= 1
            return
        future = asyncio.get_running_loop().create_future()
        entry = [int(priority), next(self._arrivals), future]
        heapq.heappush(self._waiting, entry)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self._release()  # the place was given just as the wait was cancelled: pass it on
            elif entry in self._waiting:
                self._waiting.remove(entry)
                heapq.heapify(self._waiting)
            raise

    def _release(self) -> None:
        while self._waiting:
            future = heapq.heappop(self._waiting)[2]
            if not future.done():
                future.set_result(None)
                return
        self._free += 1

    @asynccontextmanager
    async def sender(self, key: str) -> AsyncIterator[None]:
        """One turn at a time for one sender, in the order they asked (asyncio's Lock wakes its
        waiters first in, first out)."""
        entry = self._senders.get(key)
        if entry is None:
            entry = self._senders[key] = [asyncio.Lock(), 0]
        entry[1] += 1
        try:
            async with entry[0]:
                yield
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                del self._senders[key]


async def within(work: asyncio.Task[_T], seconds: float, unless: asyncio.Event | None = None) -> bool:
    """Whether `work` finished within `seconds`, waiting no longer once `unless` is set (the work
    said it must queue past the bound); the work goes on either way, never cancelled here."""
    if seconds > 0 and not work.done():
        waits = {work}
        if unless is not None:
            waits.add(asyncio.ensure_future(unless.wait()))  # type: ignore[arg-type]  # Event.wait() is awaitable; aiohttp-era stubs type it narrowly
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waits - {work}:
                waiter.cancel()
    return work.done()


class PastDeadline(Exception):
    """Blocking work did not finish within what was left of a webhook's answer deadline. The work
    goes on; the webhook answers without it."""


TWILIO_WAITS = 15.0  # seconds Twilio waits for a webhook's answer


class Deadline:
    """One webhook's answer deadline, counted from its arrival, for the blocking work (the
    database) it waits on: each call is waited for at most what is left of the deadline. Work
    that comes after a turn that took the whole deadline (ringing a specialist once Rasa has
    answered) is given `grace` seconds more, never past `ceiling` seconds from the arrival, so
    that the answer still reaches Twilio before it gives up (TWILIO_WAITS)."""

    def __init__(self, seconds: float, started: float | None = None, grace: float = 2.0,
                 ceiling: float = TWILIO_WAITS - 2.0):
        self.seconds, self.grace, self.ceiling = seconds, grace, ceiling
        self.started = time.monotonic() if started is None else started

    def left(self) -> float:
        return self.seconds - (time.monotonic() - self.started)

    def _wait(self) -> float:
        elapsed = time.monotonic() - self.started
        return max(self.seconds - elapsed, min(self.grace, self.ceiling - elapsed))

    async def run(self, function: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """`function(*args, **kwargs)` on the executor (run_blocking), or PastDeadline."""
        work = asyncio.ensure_future(run_blocking(function, *args, **kwargs))
        if await within(work, self._wait()):
            return work.result()
        work.add_done_callback(_forget)
        raise PastDeadline(f"{getattr(function, '__name__', function)} took longer than the answer deadline")


def _forget(work: asyncio.Future[Any]) -> None:
    """The outcome of work the webhook stopped waiting for (read, so that asyncio does not log
    it as never retrieved)."""
    if not work.cancelled():
        work.exception()


class AwaitingHandoff:
    """Conversations in which a handoff waits on the person's next message: the consent question
    was just asked, or an officer is filling in a referral. Noted from each turn's tracker when
    Rasa saves it (bot/channels/rasa_hooks.py), forgotten after `ttl` seconds."""

    ASKS = frozenset({"utter_ask_handoff_consent"})
    LOOPS = frozenset({"referral_form"})

    def __init__(self, ttl: float = 900.0, limit: int = 10000):
        self.ttl, self.limit = ttl, limit
        self._until: dict[str, float] = {}

    def note(self, sender_id: str, active_loop: str | None, last_bot_action: str | None) -> None:
        if active_loop in self.LOOPS or last_bot_action in self.ASKS:
            if len(self._until) >= self.limit:
                self._forget_expired()
            self._until[sender_id] = time.monotonic() + self.ttl
        else:
            self._until.pop(sender_id, None)

    def waiting(self, sender_id: str) -> bool:
        until = self._until.get(sender_id)
        return until is not None and until > time.monotonic()

    def _forget_expired(self) -> None:
        now = time.monotonic()
        for key in [key for key, until in self._until.items() if until <= now]:
            del self._until[key]
        while len(self._until) >= self.limit:  # still full: the oldest notes go
            self._until.pop(next(iter(self._until)))


awaiting_handoff = AwaitingHandoff()
_shared: Admission | None = None


def shared_admission(settings: Settings) -> Admission:
    """The one queue of this Rasa server, shared by the SMS and voice channels (made on first use,
    inside the server's event loop, from the settings of the time)."""
    global _shared
    if _shared is None:
        _shared = Admission.sized(settings.turns_in_flight, settings.turn_capacity, settings.answer_deadline_seconds)
    return _shared


def priority_of(emergency: bool, sender_id: str) -> Priority:
    if emergency:
        return Priority.EMERGENCY
    if awaiting_handoff.waiting(sender_id):
        return Priority.HANDOFF
    return Priority.OTHER


def in_background(work: Awaitable[_T], tasks: set) -> asyncio.Task[_T]:
    """A task that outlives the webhook that started it, kept referenced in `tasks` until done
    (the event loop holds only weak references to tasks)."""
    task = asyncio.ensure_future(work)
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    return task
