"""The handoff's vocabulary: the states a handoff goes through, the events its log records, where it
came from and who gave the consent, and the groups of states the code asks about ("is it still open?").

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


class LogEvent(Word):
    """What a handoff_log row records (its `event`); tests/bot/handoff/test_log_events.py holds that
    no log call or HandoffLog.event comparison names one as a bare string."""

    CREATED = "created"  # recorded, with who consented
    ALERTED = "alerted"  # a specialist was sent the alert
    UNASSIGNED = "unassigned"  # nobody on call and no coordinator left to ask
    ESCALATED = "escalated"  # the coordinator was sent the alert
    EXPIRED = "expired"  # nobody took it in time
    PASSED = "passed"  # a specialist (or the coordinator change) passed it on
    HANDED_ON = "handed_on"  # its specialist left, went off call or texted STOP
    TIMED_OUT = "timed_out"  # an alerted specialist did not answer in time
    DONE_REMINDER = "done_reminder"  # the specialist was reminded to send DONE
    DONE_OVERDUE = "done_overdue"  # no DONE after the reminder: the coordinator was told
    STALE = "stale"  # open past HUB_HANDOFF_MAX_AGE
    ACCEPTED = "accepted"  # a specialist took it (by SMS or by phone)
    CLOSED = "closed"  # DONE with an outcome
    RE_CONTACT = "re_contact"  # a follow-up check-in opened this handoff
    UNDELIVERED = "undelivered"  # an alert was not delivered to the specialist
    RELAY_FAILED_PERSON = "relay_failed_person"  # a relayed message did not reach the person
    RELAY_FAILED_SPECIALIST = "relay_failed_specialist"  # ... did not reach the specialist
    # A voice transfer: a specialist's phone rang, and how the ring ended when it did not connect.
    CALL_DIALED = "call_dialed"
    CALL_NO_ANSWER = "call_no_answer"
    CALL_BUSY = "call_busy"
    CALL_FAILED = "call_failed"
    CALL_CANCELED = "call_canceled"
    CALL_NOT_ACCEPTED = "call_not_accepted"
    # The three-way introduction (bot/handoff/introduction.py): the person's phone rang, then one outcome.
    INTRO_DIALED = "intro_dialed"
    INTRO_JOINED = "intro_joined"
    INTRO_DECLINED = "intro_declined"
    INTRO_NO_ANSWER = "intro_no_answer"
    INTRO_FAILED = "intro_failed"


class Source(Word):
    COMMUNITY = "community"  # the person asked, by text or call
    OFFICER = "officer"  # a registered referrer (police, EMS or fire: bot/handoff/referrers.py)


class ConsentBy(Word):
    PERSON = "person"
    OFFICER = "officer"  # the referrer, on the person's behalf
