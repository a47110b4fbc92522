"""Three-way introduction by phone. An officer who calls in a referral stays on the line while the
specialists are rung (bot/handoff/transfer.py); once one takes it, the hotline calls the person,
and when they press 1 the three talk in one conference, which ends when the specialist leaves.
Where the person does not join, the specialist is told by SMS and reaches them by text, as for
any referral (the person already has the hotline's text saying a specialist has it).

handoff_log: intro_dialed (the person's phone rings), then one outcome: intro_joined,
intro_declined (answered, did not press 1), intro_no_answer (no answer or busy), or intro_failed
(Twilio could not place the call, or the specialist had left by the time the person joined).
No phone number is logged.

This module decides and records; the voice channel places the calls and says the words
(bot/channels/voice_introduction.py).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.db.models import Handoff, HandoffLog, Specialist
from bot.handoff import engine, referrers, texts
from bot.handoff.states import LogEvent, Source, State
from bot.handoff.transfer import TransferError, find
from bot.notify.outbox import Purpose

OUTCOMES = (LogEvent.INTRO_JOINED, LogEvent.INTRO_DECLINED, LogEvent.INTRO_NO_ANSWER, LogEvent.INTRO_FAILED)
# The person's call's final CallStatus, where nothing said at the keypad settled the outcome first
# ("completed" then means they answered and hung up, or a voicemail took the call).
STATUS_OUTCOMES = {
    "completed": LogEvent.INTRO_DECLINED,
    "no-answer": LogEvent.INTRO_NO_ANSWER,
    "busy": LogEvent.INTRO_NO_ANSWER,
    "canceled": LogEvent.INTRO_NO_ANSWER,
    "failed": LogEvent.INTRO_FAILED,
}


def possible(handoff: Handoff) -> bool:
    """An officer's referral with the person's number: there is someone to call and introduce."""
    return handoff.source == Source.OFFICER and bool(handoff.person_number)


def referrer(session: Session, ref: str) -> referrers.Kind:
    """Who made the referral being introduced (police, EMS, fire): the person hears who asked."""
    return referrers.kind_of(find(session, ref)) or referrers.DEFAULT


def room(handoff: Handoff) -> str:
    # Twilio asks that conference names carry no personal data: the reference only.
    return f"health-hub-{handoff.ref}"


def _events(session: Session, handoff: Handoff) -> list[str]:
    return list(session.scalars(
        select(HandoffLog.event).where(HandoffLog.handoff_id == handoff.id, HandoffLog.event.like("intro_%"))
        .order_by(HandoffLog.id)
    ))


def _last_outcome(events: list[str]) -> str | None:
    return next((event for event in reversed(events) if event in OUTCOMES), None)


def outcome(session: Session, handoff: Handoff) -> str | None:
    """How the introduction ended, or None while the person's phone rings (or none was placed)."""
    return _last_outcome(_events(session, handoff))


def _specialist(session: Session, handoff: Handoff) -> Specialist | None:
    return session.get(Specialist, handoff.specialist_id) if handoff.specialist_id else None


def _accepted(session: Session, ref: str) -> Handoff:
    handoff = find(session, ref)
    if handoff.state != State.ACCEPTED or not possible(handoff):
        raise TransferError(f"{handoff.ref} has no introduction to make (state {handoff.state}, source {handoff.source})")
    return handoff


def dialed(session: Session, ref: str, now: datetime | None = None) -> Handoff:
    """The hotline placed the call to the person (the specialist has just taken the referral)."""
    handoff = _accepted(session, ref)
    engine.log(session, handoff, LogEvent.INTRO_DIALED, now or utcnow(), _specialist(session, handoff))
    return handoff


def joined(session: Session, ref: str, now: datetime | None = None) -> bool:
    """The person pressed 1. True the first time: the specialist's leg is then moved into the
    conference. False for a repeated press, which joins the person again but moves nobody."""
    handoff = _accepted(session, ref)
    events = _events(session, handoff)
    if LogEvent.INTRO_DIALED not in events:
        raise TransferError(f"{handoff.ref}: the hotline never called the person")
    current = _last_outcome(events)
    if current == LogEvent.INTRO_JOINED:
        return False
    if current is not None:
        raise TransferError(f"{handoff.ref}: the introduction already ended ({current})")
    engine.log(session, handoff, LogEvent.INTRO_JOINED, now or utcnow(), _specialist(session, handoff))
    return True


def missed(session: Session, ref: str, event: str, now: datetime | None = None, detail: str | None = None) -> bool:
    """The person did not join (`event` one of OUTCOMES but intro_joined): logged once, and the
    specialist is told by SMS to reach them by text. False where an outcome was already logged."""
    if event not in OUTCOMES or event == LogEvent.INTRO_JOINED:
        raise ValueError(f"not a missed introduction: {event!r}")
    handoff = find(session, ref)
    current = outcome(session, handoff)
    # Once settled, an outcome stands; except that a join can still fail (the specialist's leg
    # had ended when the person pressed 1).
    if current is not None and not (current == LogEvent.INTRO_JOINED and event == LogEvent.INTRO_FAILED):
        return False
    specialist = _specialist(session, handoff)
    engine.log(session, handoff, LogEvent(event), now or utcnow(), specialist, detail=detail)
    if specialist is not None:
        engine.send(session, specialist.phone, texts.introduction_missed(handoff, event), Purpose.NOTICE)
    return True


def call_ended(session: Session, ref: str, call_status: str, now: datetime | None = None) -> bool:
    """The person's call is over (Twilio's status callback). Where the keypad settled nothing,
    its status decides the outcome."""
    event = STATUS_OUTCOMES.get((call_status or "").lower())
    if event is None:  # not a final status
        return False
    return missed(session, ref, event, now, detail=(call_status or "")[:24])
