"""The handoff engine: created -> alerted -> accepted -> closed(outcome), plus escalated and expired.

Every transition is written to handoff_log with its time; every message it sends goes through the
outbox in the same transaction, so a handoff and its alert are saved together or not at all.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.config import Settings, get_settings
from bot.db.models import Handoff, HandoffLog, Specialist
from bot.directory.taxonomy import SERVICE_TYPES
from bot.handoff import events, texts
from bot.handoff.refs import new_ref
from bot.handoff.refs import normalise as normalise_ref
from bot.handoff.roster import choose_specialist, coordinator
from bot.handoff.states import AWAITING, OFFERED, OPEN, ConsentBy, LogEvent, Source, State
from bot.notify.outbox import Purpose, enqueue

OUTCOMES = ("reached", "engaged", "declined", "unreachable", "other")


class HandoffError(ValueError):
    """A specialist command that cannot be carried out; the message is the plain-words reply."""


def log(session: Session, handoff: Handoff, event: LogEvent, now: datetime, specialist: Specialist | None = None, detail: str | None = None) -> None:
    """One handoff_log row: the event, the state it left the handoff in, who, and a detail (never a number or words)."""
    session.add(HandoffLog(handoff_id=handoff.id, at=now, event=event, state=handoff.state,
                           specialist_id=specialist.id if specialist else None, detail=detail))


def send(session: Session, to_number: str | None, body: str, purpose: str, handoff_id: int | None = None) -> None:
    """An SMS from the hotline's number through the outbox, in the caller's transaction; nothing without a number."""
    if to_number:
        enqueue(session, to_number=to_number, from_number=get_settings().hotline_number, body=body, purpose=purpose,
                handoff_id=handoff_id)


def create_handoff(
    session: Session, *, source: Source, person_key: str, consent_by: ConsentBy, consent_text: str,
    needs: list[str] | None = None, area: str | None = None, language: str = "en",
    person_number: str | None = None, contact_note: str | None = None, urgent: bool = False, now: datetime | None = None,
    alert: bool = True,
) -> Handoff:
    """Record a handoff with its consent and alert the best specialist at once.

    With alert=False (a caller being transferred by phone, bot/handoff/transfer.py) nobody is
    alerted by SMS now; if the call transfer never concludes, the worker alerts at the deadline."""
    now = now or utcnow()
    if not consent_text:
        raise ValueError("a handoff needs the consent it rests on")
    handoff = Handoff(
        ref=new_ref(session), source=source, state=State.CREATED, person_key=person_key, person_number=person_number,
        contact_note=(contact_note or "")[:200] or None, urgent=int(urgent),
        needs=",".join(code for code in (needs or []) if code in SERVICE_TYPES), area=area, language=language or "en",
        consent_by=consent_by, consent_text=consent_text[:500], consent_at=now, created_at=now,
    )
    session.add(handoff)
    session.flush()
    log(session, handoff, LogEvent.CREATED, now, detail=f"consent by {consent_by}")
    if alert:
        alert_next(session, handoff, now)
    else:
        handoff.deadline_at = now + timedelta(seconds=get_settings().escalate_after_seconds)
    return handoff


def _last(session: Session, handoff: Handoff, *events: LogEvent) -> int:
    """The id of the handoff's latest log row of these events; 0 when there is none."""
    return session.scalar(select(func.max(HandoffLog.id)).where(
        HandoffLog.handoff_id == handoff.id, HandoffLog.event.in_(events))) or 0


def _asked(session: Session, handoff: Handoff) -> set[int]:
    """Who already had an SMS alert for this handoff since it was last handed on (a handoff whose
    specialist left is offered afresh), or since a round ended with nobody left to ask (everyone
    on shift is asked again). A specialist whose phone rang during a call transfer (call_* events)
    is not counted: the SMS alert after missed calls goes to them too."""
    since = _last(session, handoff, LogEvent.HANDED_ON, LogEvent.UNASSIGNED)
    return set(session.scalars(
        select(HandoffLog.specialist_id).where(
            HandoffLog.handoff_id == handoff.id, HandoffLog.id > since, HandoffLog.specialist_id.is_not(None),
            HandoffLog.event.in_((LogEvent.ALERTED, LogEvent.ESCALATED)),
        )
    ))


def alert_next(session: Session, handoff: Handoff, now: datetime, handed_on: bool = False) -> Specialist | None:
    """Alert the next on-call specialist not yet asked; after the last, the coordinator.
    handed_on: the specialist who had accepted it can't go on; the alert says so, and the caller
    tells the person."""
    settings = get_settings()
    expires_at = _saved_until(session, handoff, settings)
    if expires_at is not None and now >= expires_at:
        expire(session, handoff, now)
        return None
    asked = _asked(session, handoff)
    specialist = choose_specialist(session, handoff.area, handoff.language, asked, now.replace(tzinfo=UTC))
    if specialist:
        handoff.state = State.ALERTED
        handoff.specialist_id = specialist.id
        handoff.alerted_at = handoff.alerted_at or now
        handoff.deadline_at = _sooner(now + timedelta(seconds=settings.escalate_after_seconds), expires_at)
        log(session, handoff, LogEvent.ALERTED, now, specialist)
        send(session, specialist.phone, texts.alert(handoff, handed_on), Purpose.ALERT, handoff.id)
        return specialist
    fallback = coordinator(session)
    if fallback and fallback.id not in asked:
        was_alerted = handoff.alerted_at is not None
        handoff.escalation_level += 1
        offer_to_coordinator(session, handoff, fallback, now, was_alerted, handed_on)
        if was_alerted and not handed_on:
            send(session, handoff.person_number, texts.person_delayed(handoff), Purpose.NOTICE)
        return fallback
    # Nobody to ask now: try again when the escalation period has passed, asking everyone on
    # shift again (someone may come on call); HUB_EXPIRE_AFTER from the first time, as the
    # coordinator would have had it, the request expires.
    first_time = expires_at is None
    expires_at = expires_at or now + timedelta(seconds=settings.expire_after_seconds)
    if first_time and handoff.alerted_at is not None and not handed_on:
        # They were told someone would text soon; told once, now, that it is saved (a request
        # saved when it was made was said so then; a handed-on one is told by hand_on).
        send(session, handoff.person_number, texts.person_saved(handoff), Purpose.NOTICE)
    handoff.state = State.CREATED
    handoff.specialist_id = None
    handoff.deadline_at = _sooner(now + timedelta(seconds=settings.escalate_after_seconds), expires_at)
    log(session, handoff, LogEvent.UNASSIGNED, now, detail="no specialist on call and no coordinator left to ask")
    return None


def _saved_until(session: Session, handoff: Handoff, settings: Settings) -> datetime | None:
    """When a request that found nobody left to ask expires: HUB_EXPIRE_AFTER after the first
    time (since it was last accepted or handed on); None while it never did."""
    since = _last(session, handoff, LogEvent.HANDED_ON, LogEvent.ACCEPTED)
    first = session.scalar(select(func.min(HandoffLog.at)).where(
        HandoffLog.handoff_id == handoff.id, HandoffLog.id > since, HandoffLog.event == LogEvent.UNASSIGNED))
    return None if first is None else first + timedelta(seconds=settings.expire_after_seconds)


def _sooner(deadline: datetime, expires_at: datetime | None) -> datetime:
    return deadline if expires_at is None else min(deadline, expires_at)


def expire(session: Session, handoff: Handoff, now: datetime) -> None:
    """Nobody took it in time: closed as expired, and the person told honestly."""
    handoff.state = State.EXPIRED
    handoff.closed_at = now
    log(session, handoff, LogEvent.EXPIRED, now)
    send(session, handoff.person_number, texts.person_expired(handoff), Purpose.NOTICE)


def offer_to_coordinator(session: Session, handoff: Handoff, fallback: Specialist, now: datetime, was_alerted: bool,
                         handed_on: bool = False, from_previous: bool = False) -> None:
    """The coordinator has the alert now, theirs to ACCEPT within HUB_EXPIRE_AFTER: after the last
    specialist (alert_next), or from the coordinator before them (availability.coordinator_changed)."""
    handoff.state = State.ESCALATED
    handoff.specialist_id = fallback.id
    handoff.alerted_at = handoff.alerted_at or now
    handoff.deadline_at = now + timedelta(seconds=get_settings().expire_after_seconds)
    log(session, handoff, LogEvent.ESCALATED, now, fallback)
    send(session, fallback.phone, texts.coordinator_alert(handoff, was_alerted, handed_on, from_previous), Purpose.ESCALATION,
         handoff.id)


def hand_on(session: Session, handoff: Handoff, why: str, now: datetime, notify_person: bool = True) -> str | None:
    """The specialist who has this handoff can no longer be reached (`why`: removed, stop, off):
    an alert waiting for their answer goes to the next specialist, as if they had passed; an
    accepted handoff is offered afresh, and the person is told honestly. Returns what the person
    is told (sent through the outbox unless notify_person=False, where the caller replies)."""
    leaving = session.get(Specialist, handoff.specialist_id) if handoff.specialist_id else None
    if handoff.state in OFFERED:
        log(session, handoff, LogEvent.PASSED, now, leaving, detail=why)
        alert_next(session, handoff, now)
        return None
    if handoff.state != State.ACCEPTED:
        return None
    log(session, handoff, LogEvent.HANDED_ON, now, leaving, detail=why)
    taker = alert_next(session, handoff, now, handed_on=True)
    notice = texts.person_handed_on(handoff, "coordinator" if taker is not None and taker.is_coordinator else
                                    "specialist" if taker is not None else "nobody")
    if notify_person:
        send(session, handoff.person_number, notice, Purpose.NOTICE)
    return notice


def escalate_due(session: Session, now: datetime | None = None) -> int:
    """Move on every handoff whose deadline passed, and close every one open longer than
    HUB_HANDOFF_MAX_AGE; return how many moved."""
    now = now or utcnow()
    settings = get_settings()
    stale_before = now - timedelta(seconds=settings.handoff_max_age_seconds)
    due = list(session.scalars(
        select(Handoff).where(
            Handoff.state.in_(OPEN),
            (Handoff.deadline_at <= now) | (Handoff.created_at <= stale_before)
            # accepted before DONE reminders existed: no deadline yet
            | ((Handoff.state == State.ACCEPTED) & Handoff.deadline_at.is_(None)),
        ).order_by(Handoff.deadline_at).with_for_update(skip_locked=True)
    ))
    for handoff in due:
        if handoff.created_at <= stale_before:
            _close_stale(session, handoff, now)
        elif handoff.state == State.ACCEPTED:
            _done_overdue(session, handoff, now)
        elif handoff.state == State.ESCALATED:
            expire(session, handoff, now)
        else:
            if handoff.state == State.ALERTED:
                log(session, handoff, LogEvent.TIMED_OUT, now, session.get(Specialist, handoff.specialist_id))
            alert_next(session, handoff, now)
    return len(due)


def _done_overdue(session: Session, handoff: Handoff, now: datetime) -> None:
    """An accepted handoff without DONE: first a reminder to its specialist; HUB_DONE_REMINDER
    later, it goes to the coordinator, who then has the conversation and closes it."""
    settings = get_settings()
    wait = timedelta(seconds=settings.done_reminder_seconds)
    if handoff.deadline_at is None:
        handoff.deadline_at = (handoff.accepted_at or now) + wait
        if handoff.deadline_at > now:
            return
    holder = session.get(Specialist, handoff.specialist_id)
    accepted_log = session.scalar(select(func.max(HandoffLog.id)).where(
        HandoffLog.handoff_id == handoff.id, HandoffLog.event == LogEvent.ACCEPTED)) or 0
    reminded = session.scalar(select(HandoffLog.id).where(
        HandoffLog.handoff_id == handoff.id, HandoffLog.id > accepted_log, HandoffLog.event == LogEvent.DONE_REMINDER).limit(1))
    stale_at = handoff.created_at + timedelta(seconds=settings.handoff_max_age_seconds)
    if reminded is None:
        log(session, handoff, LogEvent.DONE_REMINDER, now, holder)
        send(session, holder.phone if holder else None, texts.done_reminder(handoff, settings.done_reminder_seconds), Purpose.REMINDER)
        handoff.deadline_at = now + wait
        return
    fallback = coordinator(session)
    handoff.deadline_at = stale_at  # nothing more to do until it is stale
    if fallback is None or (holder is not None and holder.id == fallback.id):
        why = "no coordinator to take it" if fallback is None else "the coordinator has it already"
        log(session, handoff, LogEvent.DONE_OVERDUE, now, holder, detail=why)
        return
    handoff.specialist_id = fallback.id
    log(session, handoff, LogEvent.DONE_OVERDUE, now, fallback)
    send(session, fallback.phone, texts.done_overdue_coordinator(handoff, holder.name if holder else None), Purpose.ESCALATION)
    if holder is not None:
        send(session, holder.phone, texts.done_overdue_specialist(handoff), Purpose.NOTICE)
    send(session, handoff.person_number, texts.person_handed_on(handoff, "coordinator"), Purpose.NOTICE)


def _close_stale(session: Session, handoff: Handoff, now: datetime) -> None:
    """Open longer than HUB_HANDOFF_MAX_AGE: closed as `stale`, so that the retention purge takes
    its number and words like any other's. The person, whoever had it and the coordinator are told."""
    was_accepted = handoff.state == State.ACCEPTED
    holder = session.get(Specialist, handoff.specialist_id) if handoff.specialist_id else None
    handoff.state = State.STALE
    handoff.closed_at = now
    handoff.deadline_at = None
    log(session, handoff, LogEvent.STALE, now, holder)
    days = round(get_settings().handoff_max_age_seconds / 86400, 1)
    send(session, handoff.person_number, texts.person_closed(handoff) if was_accepted else texts.person_expired(handoff), Purpose.NOTICE)
    fallback = coordinator(session)
    for told in {s.id: s for s in (holder, fallback) if s is not None}.values():
        send(session, told.phone, texts.closed_stale(handoff, days), Purpose.NOTICE)


def _find(session: Session, ref: str, lock: bool = False) -> Handoff:
    """The handoff of a typed reference. A reference that fails its check digit can only match
    one made before check digits existed (every new one passes), so an exact match is enough.
    With lock=True the row stays locked until the transaction ends (PostgreSQL; SQLite has a
    single writer anyway), so that two simultaneous commands on one handoff run one after the
    other and the second sees what the first did."""
    query = select(Handoff).where(Handoff.ref == normalise_ref(ref))
    handoff = session.scalar(query.with_for_update() if lock else query)
    if handoff is None:
        raise HandoffError(texts.not_open_to_you(normalise_ref(ref)))
    return handoff


def was_offered(session: Session, handoff: Handoff, specialist: Specialist) -> bool:
    """Whether this specialist was alerted (or rung) for the handoff, or is the coordinator, who
    may take any handoff: the only ones who may accept it."""
    if specialist.is_coordinator:
        return True
    return session.scalar(select(HandoffLog.id).where(
        HandoffLog.handoff_id == handoff.id, HandoffLog.specialist_id == specialist.id,
        HandoffLog.event.in_((LogEvent.ALERTED, LogEvent.ESCALATED, LogEvent.CALL_DIALED)),
    ).limit(1)) is not None


def accept(session: Session, specialist: Specialist, ref: str, now: datetime | None = None,
           notify_person: bool = True, detail: str | None = None) -> str:
    """notify_person=False when the person is on the line with the specialist already (a call transfer)."""
    now = now or utcnow()
    handoff = _find(session, ref, lock=True)
    if handoff.state == State.ACCEPTED and handoff.specialist_id == specialist.id:
        return texts.already_yours(handoff)
    # Unknown, taken, closed or never offered to them: one answer, which tells nobody what
    # happens to handoffs that are not theirs.
    if handoff.state not in AWAITING or not was_offered(session, handoff, specialist):
        raise HandoffError(texts.not_open_to_you(handoff.ref))
    handoff.state = State.ACCEPTED
    handoff.specialist_id = specialist.id
    handoff.accepted_at = now
    handoff.deadline_at = now + timedelta(seconds=get_settings().done_reminder_seconds)  # the DONE reminder
    log(session, handoff, LogEvent.ACCEPTED, now, specialist, detail=detail)
    if notify_person:
        # Followers may add to the person's first text (the follow-up question: bot/handoff/follow_up.py).
        first_text = " ".join([texts.person_accepted(handoff), *events.publish(session, handoff, LogEvent.ACCEPTED, now)])
        send(session, handoff.person_number, first_text.strip(), Purpose.NOTICE)
    return texts.accepted(handoff)


def pass_(session: Session, specialist: Specialist, ref: str, now: datetime | None = None) -> str:
    now = now or utcnow()
    handoff = _find(session, ref, lock=True)
    if handoff.specialist_id != specialist.id or handoff.state not in OFFERED:
        raise HandoffError(texts.not_open_to_you(handoff.ref))
    log(session, handoff, LogEvent.PASSED, now, specialist)
    alert_next(session, handoff, now)
    return texts.passed(handoff)


def done(session: Session, specialist: Specialist, ref: str, outcome: str, now: datetime | None = None) -> str:
    now = now or utcnow()
    handoff = _find(session, ref, lock=True)
    # The coordinator may close any accepted handoff: one whose specialist went quiet, say.
    if handoff.state != State.ACCEPTED or not (handoff.specialist_id == specialist.id or specialist.is_coordinator):
        raise HandoffError(texts.not_open_to_you(handoff.ref))
    # Only the outcome word is kept ("other: moved away" -> other): no free text in the log.
    first_word = re.match(r"\s*([a-z]+)", (outcome or "").lower())
    outcome = first_word.group(1) if first_word else ""
    if outcome not in OUTCOMES:
        raise HandoffError(texts.bad_outcome(handoff))
    handoff.state = State.CLOSED
    handoff.outcome = outcome
    handoff.closed_at = now
    log(session, handoff, LogEvent.CLOSED, now, specialist, detail=outcome)
    last_text = " ".join([texts.person_closed(handoff), *events.publish(session, handoff, LogEvent.CLOSED, now)])
    send(session, handoff.person_number, last_text.strip(), Purpose.NOTICE)
    return texts.closed(handoff)


def attach_number(session: Session, person_key: str, number: str) -> int:
    """Give the person's handoffs created during this message the number to reach them at."""
    # This runs after every message and almost never finds anything: a read first, so that
    # SQLite's single write lock is taken only when there is something to write.
    waiting = (Handoff.person_key == person_key, Handoff.person_number.is_(None), Handoff.state.in_(OPEN))
    if session.scalar(select(Handoff.id).where(*waiting).limit(1)) is None:
        return 0
    return session.execute(
        update(Handoff).where(*waiting).values(person_number=number).execution_options(synchronize_session=False)
    ).rowcount


def latest_for_person(session: Session, person_key: str) -> Handoff | None:
    """The person's latest request for a person, open or not (what their STATUS answers)."""
    return session.scalars(select(Handoff).where(Handoff.person_key == person_key)
                           .order_by(Handoff.created_at.desc(), Handoff.id.desc())).first()


def relay_for_person(session: Session, person_key: str) -> Handoff | None:
    return session.scalars(
        select(Handoff).where(Handoff.person_key == person_key, Handoff.state == State.ACCEPTED).order_by(Handoff.accepted_at.desc())
    ).first()


def relay_to_specialist(session: Session, handoff: Handoff, text: str) -> None:
    specialist = session.get(Specialist, handoff.specialist_id)
    for part in texts.from_person(handoff, text):
        send(session, specialist.phone, part, Purpose.RELAY, handoff.id)


def relay_to_person(session: Session, handoff: Handoff, text: str) -> None:
    """Raises HandoffError, saying how to reach them instead, where there is no number to text
    (a place and time from an officer, a withheld caller ID): never a silent drop."""
    if not handoff.person_number:
        raise HandoffError(texts.cannot_reach(handoff))
    for part in texts.from_specialist(handoff, text):
        send(session, handoff.person_number, part, Purpose.RELAY, handoff.id)


def open_relays(session: Session, specialist: Specialist) -> list[Handoff]:
    return list(session.scalars(
        select(Handoff).where(Handoff.specialist_id == specialist.id, Handoff.state == State.ACCEPTED).order_by(Handoff.accepted_at)
    ))


def pending_alerts(session: Session, specialist: Specialist) -> list[Handoff]:
    """Handoffs waiting for this specialist's ACCEPT or PASS."""
    return list(session.scalars(
        select(Handoff).where(Handoff.specialist_id == specialist.id, Handoff.state.in_(OFFERED))
    ))
