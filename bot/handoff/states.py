"""The handoff's vocabulary: the states a handoff goes through, where it came from and who gave
the consent, and the groups of states the code asks about ("is it still open?").

The values are what the database has always stored ("alerted", "officer"...), so nothing needs
migrating: a State compares equal to its stored string, and a string read back from the database
compares equal to its State.
"""
from __future__ import annotations

from bot.words import Word


class State(Word):
    CREATED = "created"  # recorded; nobody alerted yet (or nobody on call to alert)
    ALERTED = "alerted"  # a specialist has the alert (or their phone is ringing)
    ESCALATED = "escalated"  # the coordinator has the alert
    ACCEPTED = "accepted"  # a specialist took it: the relay is open
    CLOSED = "closed"  # DONE with an outcome
    EXPIRED = "expired"  # nobody took it in time
    STALE = "stale"  # open past HUB_HANDOFF_MAX_AGE


# Waiting for a specialist's ACCEPT or PASS.
OFFERED = (State.ALERTED, State.ESCALATED)
# Open and not yet accepted by anyone.
AWAITING = (State.CREATED, *OFFERED)
# Not over: a specialist may still take it, or has it.
OPEN = (*AWAITING, State.ACCEPTED)
# How a handoff can end: a DONE, nobody took it in time, or open past HUB_HANDOFF_MAX_AGE.
OVER = (State.CLOSED, State.EXPIRED, State.STALE)
# A voice call may still ring specialists for it.
RINGABLE = (State.CREATED, State.ALERTED)


class Source(Word):
    COMMUNITY = "community"  # the person asked, by text or call
    OFFICER = "officer"  # a registered referrer (police, EMS or fire: bot/handoff/referrers.py)


class ConsentBy(Word):
    PERSON = "person"
    OFFICER = "officer"  # the referrer, on the person's behalf
