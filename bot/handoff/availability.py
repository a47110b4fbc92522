"""Who can be reached now, and what happens to their work when they can't (DESIGN.md, principle
8: a specialist who leaves, goes off call or texts STOP hands their work on).

- Removed from the roster, or STOP: every open handoff of theirs is handed on: alerts waiting for
  their answer go to the next specialist, accepted handoffs are offered afresh, and the person is
  told. Nothing is relayed to them any more.
- OFF (by text): no new alerts, and alerts waiting for their answer go to the next specialist;
  accepted handoffs stay with them. ON puts them back on their roster hours, which stay the
  default. START after STOP puts them back too.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.db.models import Handoff, Officer, Specialist
from bot.handoff import engine, texts
from bot.handoff.roster import RosterError, checked_name, is_on_call, normalise_phone
from bot.handoff.states import OFFERED, OPEN, LogEvent, State

# OFF and ON as specialists text them, in English and Spanish (the whole message, like STOP).
# Only phrases nobody would send a person as a whole message ("fuera" alone may mean "I'm outside").
OFF_WORDS = {"en": {"off", "off call"}, "es": {"fuera de guardia", "no disponible"}}
ON_WORDS = {"en": {"on", "on call"}, "es": {"de guardia", "en guardia"}}


@dataclass(frozen=True)
class OnOff:
    word: str  # on | off
    language: str  # en | es


def on_off(text: str) -> OnOff | None:
    said = " ".join((text or "").strip().strip(".!¡?¿ ").lower().split())
    for word, languages in (("off", OFF_WORDS), ("on", ON_WORDS)):
        for language, words in languages.items():
            if said in words:
                return OnOff(word, language)
    return None


def reachable(specialist: Specialist | None) -> bool:
    """Whether a message can still reach them: on the roster and not opted out by STOP."""
    return specialist is not None and bool(specialist.active) and specialist.off_call != "stop"


def _open_handoffs(session: Session, specialist: Specialist, states: tuple[State, ...] = OPEN) -> list[Handoff]:
    return list(session.scalars(
        select(Handoff).where(Handoff.specialist_id == specialist.id, Handoff.state.in_(states))
        .order_by(Handoff.id).with_for_update()
    ))


def _hand_on_all(session: Session, specialist: Specialist, why: str, now: datetime, states: tuple[State, ...] = OPEN) -> list[str]:
    handoffs = _open_handoffs(session, specialist, states)
    for handoff in handoffs:
        engine.hand_on(session, handoff, why, now)
    return [handoff.ref for handoff in handoffs]


def leave_roster(session: Session, specialist: Specialist, now: datetime | None = None) -> list[str]:
    """`hub roster remove`: off the roster (the row stays, inactive, for the log), and every open
    handoff of theirs handed on. Returns the references handed on."""
    specialist.active = 0
    session.flush()
    return _hand_on_all(session, specialist, "removed", now or utcnow())


def coordinator_changed(session: Session, coordinator: Specialist, now: datetime | None = None) -> list[str]:
    """`hub roster set-coordinator`: the requests waiting on the coordinator who is no longer one
    (they may not read the line any more) go to the new one at once, with the coordinator's full
    time to answer. The person was told already that the coordinator has their request, and is not
    told again. Returns the references moved."""
    now = now or utcnow()
    waiting = list(session.scalars(
        select(Handoff).where(Handoff.state == State.ESCALATED, Handoff.specialist_id != coordinator.id)
        .order_by(Handoff.id).with_for_update()
    ))
    for handoff in waiting:
        before = session.get(Specialist, handoff.specialist_id) if handoff.specialist_id else None
        engine.log(session, handoff, LogEvent.PASSED, now, before, detail="coordinator changed")
        engine.offer_to_coordinator(session, handoff, coordinator, now, was_alerted=True, from_previous=True)
    return [handoff.ref for handoff in waiting]


def stop(session: Session, specialist: Specialist, now: datetime | None = None) -> list[str]:
    """They texted STOP: nothing may be sent to them, so they are off call at once and every open
    handoff of theirs is handed on. Returns the references handed on."""
    now = now or utcnow()
    specialist.off_call, specialist.off_call_since = "stop", now
    session.flush()
    return _hand_on_all(session, specialist, "stop", now)


def start(session: Session, specialist: Specialist) -> None:
    """They texted START after STOP: back on their roster hours."""
    if specialist.off_call == "stop":
        specialist.off_call, specialist.off_call_since = None, None


def go_off(session: Session, specialist: Specialist, language: str = "en", now: datetime | None = None) -> str:
    """OFF: no new alerts until ON; alerts waiting for their answer pass on; what they accepted
    stays theirs. Returns the plain-words confirmation."""
    now = now or utcnow()
    if specialist.off_call is None:
        specialist.off_call, specialist.off_call_since = "off", now
        session.flush()
    passed = _hand_on_all(session, specialist, "off", now, OFFERED)
    kept = [h.ref for h in engine.open_relays(session, specialist)]
    return texts.gone_off(kept, passed, bool(specialist.is_coordinator), language)


def go_on(session: Session, specialist: Specialist, language: str = "en", now: datetime | None = None) -> str:
    """ON: back on call, within the roster hours. A STOP holds until START."""
    now = now or utcnow()
    if specialist.off_call == "stop":
        return texts.on_needs_start(language)
    specialist.off_call, specialist.off_call_since = None, None
    in_hours = is_on_call(specialist, now.replace(tzinfo=UTC))
    return texts.gone_on(specialist.hours, in_hours, language)


# --- roster changes that hand work on ---------------------------------------------------------

@dataclass(frozen=True)
class Removed:
    name: str
    phone: str
    handed_on: list[str]  # references of the open handoffs handed on to someone else


def remove(session: Session, phone: str, region: str = "US") -> Removed:
    """Take a specialist or an officer off the roster. The row stays, inactive: the handoff log and
    the referral tally still name who did what. A specialist's open handoffs are handed on."""
    phone = normalise_phone(phone, region)
    specialist = session.scalar(select(Specialist).where(Specialist.phone == phone, Specialist.active == 1))
    person = specialist or session.scalar(select(Officer).where(Officer.phone == phone, Officer.active == 1))
    if person is None:
        raise RosterError(f"{phone} is not on the roster")
    handed_on = leave_roster(session, specialist) if specialist is not None else []
    if specialist is None:
        person.active = 0
    return Removed(person.name, phone, handed_on)


@dataclass(frozen=True)
class CoordinatorSet:
    person: Specialist
    moved: list[str]  # references of the requests that waited on the coordinator before, now theirs


def set_coordinator(session: Session, phone: str, name: str | None = None, region: str = "US",
                    now: datetime | None = None) -> CoordinatorSet:
    """The one coordinator, who gets the alerts nobody accepted in time; the requests waiting on
    the coordinator before go to them at once."""
    phone = normalise_phone(phone, region)
    session.execute(update(Specialist).values(is_coordinator=0))
    person = session.scalar(select(Specialist).where(Specialist.phone == phone))
    if person is None:
        person = Specialist(name=checked_name(name or "Coordinator"), phone=phone, languages="en", zips="",
                            created_at=now or utcnow())
        session.add(person)
    person.is_coordinator, person.active = 1, 1
    session.flush()
    return CoordinatorSet(person, coordinator_changed(session, person, now))
