"""Warm transfer of a call: ring the on-call specialists one after another, and the first who
presses 1 in the whisper takes the handoff while the caller waits on the line. When nobody picks
up (or after HUB_VOICE_MAX_DIALS specialists), the handoff goes on as an SMS alert and the caller
is promised a callback.

Every step is a handoff_log row: call_dialed, call_no_answer / call_busy / call_failed /
call_not_accepted / call_canceled, accepted (detail "by phone"), then the engine's own alerted or
escalated for the SMS fallback. No phone number is logged.

Twilio drives the call (webhooks); this module only decides and records. bot/handoff/call_flow.py
puts the steps together for a call, and the Rasa channel turns its decisions into TwiML
(bot/channels/twilio_voice.py). What the specialist hears is in bot/voice/texts.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.config import get_settings
from bot.db.models import Handoff, HandoffLog, Specialist
from bot.handoff import (
    engine,
    follow_up,  # noqa: F401  an accept by phone is followed by the check-in question
)
from bot.handoff.roster import choose_specialist
from bot.handoff.states import RINGABLE, LogEvent, Source, State
from bot.notify.outbox import Purpose

# Twilio's DialCallStatus for a call that did not connect the specialist, as a log event.
# "completed" without an acceptance means the specialist answered but did not press 1 (or a
# voicemail picked up and the whisper timed out).
DIAL_EVENTS = {
    "no-answer": LogEvent.CALL_NO_ANSWER,
    "busy": LogEvent.CALL_BUSY,
    "failed": LogEvent.CALL_FAILED,
    "canceled": LogEvent.CALL_CANCELED,
    "completed": LogEvent.CALL_NOT_ACCEPTED,
    "answered": LogEvent.CALL_NOT_ACCEPTED,
}
# Time, beyond the ring itself, that the worker leaves a ringing transfer alone before it treats
# the call flow as lost and sends the SMS alert.
_GRACE_SECONDS = 90


class TransferError(ValueError):
    """A whisper or dial callback that does not match the transfer (stale, replayed, or forged
    by someone with the auth token but no call)."""


@dataclass(frozen=True)
class Ring:
    """One specialist to dial now."""

    handoff_ref: str
    specialist_id: int
    phone: str
    attempt: int  # 1 for the first specialist


def find(session: Session, ref: str) -> Handoff:
    handoff = session.scalar(select(Handoff).where(Handoff.ref == engine.normalise_ref(ref)))
    if handoff is None:
        raise TransferError(f"no handoff {ref!r}")
    return handoff


def dialed(session: Session, handoff: Handoff) -> list[int]:
    """The specialists whose phones this handoff's call rang, in order."""
    return list(session.scalars(
        select(HandoffLog.specialist_id)
        .where(HandoffLog.handoff_id == handoff.id, HandoffLog.event == LogEvent.CALL_DIALED)
        .order_by(HandoffLog.id)
    ))


def next_ring(session: Session, handoff: Handoff, now: datetime | None = None) -> Ring | None:
    """The next on-call specialist to dial (covers the area, prefers the language, fewest open
    handoffs, never one already rung); None when there is nobody left or the limit is reached."""
    now = now or utcnow()
    settings = get_settings()
    if handoff.state not in RINGABLE:
        return None
    tried = dialed(session, handoff)
    if len(tried) >= settings.voice_max_dials:
        return None
    specialist = choose_specialist(session, handoff.area, handoff.language, set(tried), now.replace(tzinfo=UTC))
    if specialist is None:
        return None
    handoff.state = State.ALERTED
    handoff.specialist_id = specialist.id
    handoff.alerted_at = handoff.alerted_at or now
    handoff.deadline_at = now + timedelta(seconds=settings.voice_ring_seconds + _GRACE_SECONDS)
    engine.log(session, handoff, LogEvent.CALL_DIALED, now, specialist, detail=f"attempt {len(tried) + 1}")
    return Ring(handoff.ref, specialist.id, specialist.phone, len(tried) + 1)


def _ringing(session: Session, handoff: Handoff, specialist_id: int) -> Specialist:
    if specialist_id not in dialed(session, handoff):
        raise TransferError(f"{handoff.ref} never rang specialist {specialist_id}")
    specialist = session.get(Specialist, specialist_id)
    if specialist is None:
        raise TransferError(f"no specialist {specialist_id}")
    return specialist


def connected(session: Session, handoff: Handoff, specialist_id: int) -> bool:
    """Whether this specialist took the call (pressed 1)."""
    return handoff.state in (State.ACCEPTED, State.CLOSED) and handoff.specialist_id == specialist_id and session.scalar(
        select(HandoffLog.id).where(HandoffLog.handoff_id == handoff.id, HandoffLog.event == LogEvent.ACCEPTED,
                                    HandoffLog.specialist_id == specialist_id, HandoffLog.detail == "by phone")
    ) is not None


def accept_call(session: Session, ref: str, specialist_id: int, now: datetime | None = None) -> Handoff:
    """The specialist pressed 1 in the whisper: the handoff is theirs, and they get the reference
    by SMS so that they can close it with DONE after the call. A person who called is on the line
    already; a person an officer referred is not, and gets the usual text saying who has it."""
    now = now or utcnow()
    handoff = find(session, ref)
    specialist = _ringing(session, handoff, specialist_id)
    reply = engine.accept(session, specialist, handoff.ref, now, notify_person=handoff.source != Source.COMMUNITY, detail="by phone")
    engine.send(session, specialist.phone, reply, Purpose.NOTICE)
    return handoff


def call_ended(session: Session, ref: str, specialist_id: int, dial_status: str, now: datetime | None = None) -> Handoff:
    """Record how a ring ended when the specialist did not take the call."""
    now = now or utcnow()
    handoff = find(session, ref)
    specialist = _ringing(session, handoff, specialist_id)
    if not connected(session, handoff, specialist_id):
        event = DIAL_EVENTS.get((dial_status or "").lower(), LogEvent.CALL_FAILED)
        engine.log(session, handoff, event, now, specialist, detail=(dial_status or "")[:24] or None)
    return handoff


def fall_back_to_sms(session: Session, handoff: Handoff, now: datetime | None = None) -> str:
    """Nobody took the call: the engine's SMS alert (or the coordinator, or a saved request), as
    for a texted request. Returns the handoff's state afterwards."""
    now = now or utcnow()
    if handoff.state in RINGABLE:
        engine.alert_next(session, handoff, now)
    return handoff.state
