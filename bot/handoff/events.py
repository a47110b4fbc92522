"""What follows a handoff's events. A use case that acts when a handoff is accepted or closed (the
follow-up question, a spike signal) subscribes here, so the engine, which records the event, knows
nothing of it.

Followers are called in the order they subscribed, inside the transaction that records the event,
each in its own savepoint: one that fails is rolled back alone, logged and raised as an operator
alarm, and the event stands. A follower may give words to add to the person's text about the event
(published only where the person gets one: ACCEPTED when they are told by text, CLOSED).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from bot.db.models import Handoff
from bot.handoff.states import LogEvent
from bot.notify.alarms import raise_alarm

logger = logging.getLogger(__name__)

Follower = Callable[[Session, Handoff, datetime], str | None]

_FOLLOWERS: dict[LogEvent, list[Follower]] = {}


def subscribe(event: LogEvent, follower: Follower) -> None:
    """Call `follower` after each `event`; subscribing twice (a module imported again) is once."""
    followers = _FOLLOWERS.setdefault(event, [])
    if follower not in followers:
        followers.append(follower)


def followers(event: LogEvent) -> list[Follower]:
    return list(_FOLLOWERS.get(event, ()))


def alarm_name(follower: Follower) -> str:
    return f"follower:{follower.__module__}.{follower.__qualname__}"


def publish(session: Session, handoff: Handoff, event: LogEvent, now: datetime) -> list[str]:
    """Call the event's followers; the words they give for the person's text, in order."""
    words: list[str] = []
    for follower in followers(event):
        try:
            with session.begin_nested():
                said = follower(session, handoff, now)
        except Exception:  # one follower's failure must not undo the event, nor the others
            logger.exception("%s failed after %s of handoff %s", alarm_name(follower), event.value, handoff.ref)
            raise_alarm(session, alarm_name(follower),
                        f"failed after a handoff was {event.value} ({handoff.ref}); the handoff stands, "
                        f"what this step does was not done: see the log")
            continue
        if said:
            words.append(said)
    return words
