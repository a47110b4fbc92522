"""Follow-up check-ins, with the person's own consent.

Asked of the person themself, never of an officer on their behalf: right after they say yes to
a handoff (by text in the same reply; by voice, by text once the call has given us their
number), or, for an officer's referral, in the line's first text to them. The next text they
send answers it, read by the consent reader (bot/handoff/consent.py) as the answer to the
question; anything it does not read as yes or no leaves it unanswered, which means no.

After the handoff closes as reached or engaged, the worker sends a check-in at
HUB_FOLLOW_UP_AFTER and, unless it was answered, again at HUB_FOLLOW_UP_AGAIN: never in quiet
hours (deferred, not dropped), never to a number that texted STOP. A reply of 3 opens a new
handoff linked to the earlier one (a re-contact); 2 ("not yet") is asked whether a specialist may
text them, and only their yes opens one; 1 is thanked; anything else goes to the assistant.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from bot.clock import utcnow
from bot.config import Settings, get_settings
from bot.db.models import CheckIn, Handoff, OutboxMessage
from bot.directory.geo import lookup_zip
from bot.handoff import engine, events, texts
from bot.handoff.consent import Consent, ReadAs, person_consent, read_consent
from bot.handoff.follow_up_texts import say
from bot.handoff.states import OPEN, ConsentBy, LogEvent, Source
from bot.notify.optout import number_opted_out
from bot.notify.outbox import Purpose, enqueue

# Outcomes after which a check-in makes sense: the person and a specialist were in touch.
CHECKED_OUTCOMES = ("reached", "engaged")
# A reply to a check-in counts for this long after it was sent; later, "2" is just a text.
REPLY_WINDOW = timedelta(days=7)
# Where a person's area is unknown (or not a US ZIP), quiet hours are kept in the zone the
# roster falls back to (bot/handoff/roster.py).
DEFAULT_ZONE = "America/Los_Angeles"
_BATCH = 100

# "2", "2.", "2 not yet", "3) talk to someone": the digit alone or with words, never "12" or "2 3".
_CHECK_IN_ANSWER = re.compile(r"^\s*([123])(?![\d])(?:[\s.,:;)!-]*[^\d\s][^\d]*)?[\s.!]*$")


def check_in_answer(text: str) -> str | None:
    """'1', '2' or '3' for a reply to a check-in; None for anything else."""
    match = _CHECK_IN_ANSWER.match(text or "")
    return match.group(1) if match else None


# --- asking ---------------------------------------------------------------------------------

def ask(handoff: Handoff, now: datetime | None = None) -> str:
    """The question, to be sent to the person now (in the reply to their yes, or in the first
    text of an officer's referral); '' when it was asked already or there is nobody to ask."""
    if handoff.follow_up_consent is not None:
        return ""
    handoff.follow_up_consent = "asked"
    handoff.follow_up_asked_at = now or utcnow()
    return say("question", handoff.language)


def _ask_on_accept(session: Session, handoff: Handoff, now: datetime) -> str | None:
    """An officer's referral: asked in the first text the person gets, once a specialist takes it.
    The officer consented to the handoff for them; check-ins are the person's own choice."""
    if handoff.source == Source.OFFICER and handoff.person_number:
        return ask(handoff, now)
    return None


events.subscribe(LogEvent.ACCEPTED, _ask_on_accept)


def ask_by_text(handoff: Handoff) -> None:
    """A person who said yes on the phone is asked by text, once the call has given us the number
    (the worker sends it: `run_due`)."""
    if handoff.follow_up_consent is None:
        handoff.follow_up_consent = "to_ask"


def _ask_waiting(session: Session, now: datetime, settings: Settings) -> int:
    waiting = list(session.scalars(
        select(Handoff).where(Handoff.follow_up_consent == "to_ask", Handoff.person_number.is_not(None))
        .limit(_BATCH).with_for_update(skip_locked=True)
    ))
    asked = 0
    for handoff in waiting:
        # The conditional UPDATE is the claim: with two workers, one asks.
        claimed = session.execute(
            update(Handoff).where(Handoff.id == handoff.id, Handoff.follow_up_consent == "to_ask")
            .values(follow_up_consent="asked", follow_up_asked_at=now).execution_options(synchronize_session=False)
        ).rowcount
        if claimed:
            enqueue(session, to_number=handoff.person_number, from_number=settings.hotline_number,
                    body=say("question", handoff.language), purpose=Purpose.FOLLOW_UP)
            asked += 1
    return asked


# --- sending --------------------------------------------------------------------------------

def in_quiet_hours(quiet: tuple[int, int] | None, local: datetime) -> bool:
    """Whether a local wall-clock time falls in quiet hours (start inclusive, end exclusive)."""
    if quiet is None:
        return False
    start, end = quiet
    minute = local.hour * 60 + local.minute
    return start <= minute < end if start < end else (minute >= start or minute < end)


def person_zone(area: str | None) -> ZoneInfo:
    place = lookup_zip(area) if area else None
    return ZoneInfo(place.timezone if place and place.timezone else DEFAULT_ZONE)


def quiet_in(area: str | None, now: datetime, settings: Settings) -> bool:
    """Quiet hours in an area (its time zone); `now` is naive UTC."""
    local = now.replace(tzinfo=ZoneInfo("UTC")).astimezone(person_zone(area))
    return in_quiet_hours(settings.quiet_hours, local)


def quiet_for(handoff: Handoff, now: datetime, settings: Settings) -> bool:
    """Quiet hours where the person is (their area's time zone); `now` is naive UTC."""
    return quiet_in(handoff.area, now, settings)


def rounds(settings: Settings) -> list[tuple[int, float]]:
    """(round, seconds after the close) of each check-in."""
    return [(1, settings.follow_up_after_seconds)] + (
        [(2, settings.follow_up_again_seconds)] if settings.follow_up_again_seconds else [])


def _due(session: Session, round_: int, delay: float, now: datetime, settings: Settings) -> list[Handoff]:
    """The handoffs due this round, oldest closed first, _BATCH at most, leaving out those whose
    area is in quiet hours. They are left out in the query, by area (a due row's area is one of a
    few), not skipped after it: skipped, a batch of people in their night came back on every pass
    and held up the check-ins due elsewhere (review 20)."""
    this_round = aliased(CheckIn)
    query = select(Handoff).where(
        Handoff.follow_up_consent == "yes", Handoff.state == "closed", Handoff.outcome.in_(CHECKED_OUTCOMES),
        Handoff.person_number.is_not(None), Handoff.closed_at <= now - timedelta(seconds=delay),
        ~exists().where(this_round.handoff_id == Handoff.id, this_round.round == round_),
    )
    if round_ > 1:  # only after the round before was recorded, and only if nothing was answered
        earlier = aliased(CheckIn)
        query = query.where(
            exists().where(earlier.handoff_id == Handoff.id, earlier.round == round_ - 1),
            ~exists().where(earlier.handoff_id == Handoff.id, earlier.answer.is_not(None)),
        )
    if settings.quiet_hours is not None:
        quiet = [area for area in session.scalars(query.with_only_columns(Handoff.area).distinct())
                 if quiet_in(area, now, settings)]
        named = [area for area in quiet if area is not None]
        if None in quiet:  # no area: the roster's zone, in quiet hours now
            query = query.where(Handoff.area.is_not(None), *([Handoff.area.not_in(named)] if named else []))
        elif named:
            query = query.where(or_(Handoff.area.is_(None), Handoff.area.not_in(named)))
    return list(session.scalars(query.order_by(Handoff.closed_at, Handoff.id).limit(_BATCH).with_for_update(skip_locked=True)))


def _open_again(session: Session, handoff: Handoff) -> bool:
    return session.scalar(select(Handoff.id).where(
        Handoff.person_key == handoff.person_key, Handoff.state.in_(OPEN)).limit(1)) is not None


def _record(session: Session, handoff: Handoff, round_: int, status: str, now: datetime, settings: Settings) -> bool:
    """Claim the round for this handoff (the unique row) and, when it is to be sent, queue the
    check-in in the same savepoint; False when another worker claimed it first."""
    try:
        with session.begin_nested():
            session.add(CheckIn(handoff_id=handoff.id, round=round_, status=status, at=now))
            session.flush()
            if status == "sent":
                enqueue(session, to_number=handoff.person_number, from_number=settings.hotline_number,
                        body=say("check_in", handoff.language), purpose=Purpose.FOLLOW_UP, handoff_id=handoff.id)
    except IntegrityError:
        return False
    return True


def send_due(session: Session, now: datetime | None = None, settings: Settings | None = None) -> int:
    """Queue every check-in that is due; return how many rounds were settled (sent or skipped).
    One in quiet hours is left for a later pass (`_due` leaves it out)."""
    now = now or utcnow()
    settings = settings or get_settings()
    settled = 0
    all_rounds = rounds(settings)
    for index, (round_, delay) in enumerate(all_rounds):
        later = all_rounds[index + 1][1] if index + 1 < len(all_rounds) else None
        for handoff in _due(session, round_, delay, now, settings):
            if later is not None and handoff.closed_at <= now - timedelta(seconds=later):
                status = "missed"  # the worker was away: only the later check-in goes
            elif number_opted_out(session, handoff.person_number, settings):
                status = "stopped"
            elif _open_again(session, handoff):
                status = "superseded"  # they are talking with someone again
            elif quiet_for(handoff, now, settings):
                continue
            else:
                status = "sent"
            settled += _record(session, handoff, round_, status, now, settings)
    return settled


def run_due(session: Session, now: datetime | None = None) -> int:
    """The worker's periodic job: questions waiting for a number, then check-ins that are due."""
    now = now or utcnow()
    settings = get_settings()
    return _ask_waiting(session, now, settings) + send_due(session, now, settings)


# --- replies --------------------------------------------------------------------------------

def reply(session: Session, number: str | None, number_key: str, text: str, now: datetime | None = None) -> list[str] | None:
    """The hotline's answer to a reply to a check-in or to the question; None when the text is
    neither, and goes on (to the relay or the assistant)."""
    now = now or utcnow()
    digit = check_in_answer(text)
    if digit is not None:
        check_in = _awaiting_answer(session, number_key, now)
        if check_in is not None:
            answered = _answer_check_in(session, check_in, digit, number, text, now)
            if answered is not None:
                return answered
    recontact = _answer_recontact(session, number, number_key, text, now)
    if recontact is not None:
        return recontact
    return _answer_question(session, number, number_key, text, now)


def _awaiting_answer(session: Session, number_key: str, now: datetime) -> CheckIn | None:
    """The latest check-in sent to this person, if it is still unanswered and recent."""
    latest = session.scalar(
        select(CheckIn).join(Handoff, Handoff.id == CheckIn.handoff_id)
        .where(Handoff.person_key == number_key, CheckIn.status == "sent", CheckIn.at >= now - REPLY_WINDOW)
        .order_by(CheckIn.at.desc(), CheckIn.id.desc()).limit(1)
    )
    return latest if latest is not None and latest.answer is None else None


def _answer_check_in(session: Session, check_in: CheckIn, digit: str, number: str | None, text: str, now: datetime) -> list[str] | None:
    # The conditional UPDATE answers it once, whatever arrives twice at the same moment.
    if not session.execute(
        update(CheckIn).where(CheckIn.id == check_in.id, CheckIn.answer.is_(None))
        .values(answer=digit, answered_at=now).execution_options(synchronize_session=False)
    ).rowcount:
        return None
    earlier = session.get(Handoff, check_in.handoff_id)
    if digit == "1":
        return [say("connected", earlier.language)]
    current = session.scalar(select(Handoff).where(
        Handoff.person_key == earlier.person_key, Handoff.state.in_(OPEN)).order_by(Handoff.id.desc()).limit(1))
    if current is not None:
        return [say("still_open", current.language, ref=current.ref)]
    if digit == "2":
        # "Not yet" says nothing of a specialist: they are asked first (review 18).
        session.execute(update(CheckIn).where(CheckIn.id == check_in.id).values(consent="asked")
                        .execution_options(synchronize_session=False))
        return [say("recontact_question", earlier.language)]
    return _reopened(session, check_in, earlier, number, say("check_in", earlier.language), text, now)


def _answer_recontact(session: Session, number: str | None, number_key: str, text: str, now: datetime) -> list[str] | None:
    """The answer to the question a reply of 2 got; None when no such question waits. Their next
    text answers it; anything but a yes or no leaves it unanswered, and goes on."""
    check_in = session.scalar(
        select(CheckIn).join(Handoff, Handoff.id == CheckIn.handoff_id)
        .where(Handoff.person_key == number_key, CheckIn.consent == "asked", CheckIn.answered_at >= now - REPLY_WINDOW)
        .order_by(CheckIn.answered_at.desc(), CheckIn.id.desc()).limit(1)
    )
    if check_in is None:
        return None
    consent = read_consent(text, ReadAs.DIRECT_ANSWER)
    answer = "unanswered" if consent is Consent.UNCLEAR else consent.value
    # The conditional UPDATE answers it once, whatever arrives twice at the same moment.
    if not session.execute(
        update(CheckIn).where(CheckIn.id == check_in.id, CheckIn.consent == "asked")
        .values(consent=answer).execution_options(synchronize_session=False)
    ).rowcount or consent is Consent.UNCLEAR:
        return None
    earlier = session.get(Handoff, check_in.handoff_id)
    if consent is Consent.NO:
        return [say("recontact_no", earlier.language)]
    current = session.scalar(select(Handoff).where(
        Handoff.person_key == earlier.person_key, Handoff.state.in_(OPEN)).order_by(Handoff.id.desc()).limit(1))
    if current is not None:  # they asked the assistant for someone meanwhile
        return [say("still_open", current.language, ref=current.ref)]
    return _reopened(session, check_in, earlier, number, say("recontact_question", earlier.language), text, now)


def _reopened(session: Session, check_in: CheckIn, earlier: Handoff, number: str | None, asked: str, answer: str,
              now: datetime) -> list[str]:
    handoff = reopen(session, earlier, number, asked, answer, now)
    session.execute(update(CheckIn).where(CheckIn.id == check_in.id).values(reopened_handoff_id=handoff.id)
                    .execution_options(synchronize_session=False))
    minutes = max(1, round(get_settings().escalate_after_seconds / 60))
    return [texts.person_opened(handoff, handoff.state, minutes)]


def reopen(session: Session, earlier: Handoff, number: str | None, asked: str, answer: str, now: datetime) -> Handoff:
    """A new handoff for the person who replied 3, or 2 and then yes, with the earlier one's
    needs, area and language; their reply to `asked` is the consent. Linked to the earlier one: a
    re-contact."""
    consent = person_consent(asked, answer.strip()[:40])
    handoff = engine.create_handoff(
        session, source=Source.COMMUNITY, person_key=earlier.person_key, consent_by=ConsentBy.PERSON, consent_text=consent,
        needs=[code for code in (earlier.needs or "").split(",") if code], area=earlier.area,
        language=earlier.language, person_number=number or earlier.person_number, now=now,
    )
    handoff.follow_up_of = earlier.id
    # They agreed to check-ins and answered one: that agreement carries over.
    handoff.follow_up_consent = "yes"
    handoff.follow_up_asked_at, handoff.follow_up_answered_at = earlier.follow_up_asked_at, earlier.follow_up_answered_at
    engine.log(session, handoff, LogEvent.RE_CONTACT, now, detail=f"check-in of {earlier.ref}")
    return handoff


def _answer_question(session: Session, number: str | None, number_key: str, text: str, now: datetime) -> list[str] | None:
    asked = list(session.scalars(select(Handoff).where(
        Handoff.person_key == number_key, Handoff.follow_up_consent == "asked").order_by(Handoff.id)))
    if not asked:
        return None
    consent = read_consent(text, ReadAs.DIRECT_ANSWER)
    answer = None if consent is Consent.UNCLEAR else consent.value
    if answer is not None and number and _specialist_wrote_since(session, number, min(h.follow_up_asked_at for h in asked)):
        answer = None  # a specialist asked them something since: this yes is for the specialist
    # Their next text answers the question; anything else leaves it unanswered, which is a no.
    for handoff in asked:
        handoff.follow_up_consent = answer or "unanswered"
        handoff.follow_up_answered_at = now
    if answer is None:
        return None
    return [say("consent_yes" if answer == "yes" else "consent_no", asked[-1].language)]


def _specialist_wrote_since(session: Session, number: str, since: datetime | None) -> bool:
    query = select(OutboxMessage.id).where(OutboxMessage.to_number == number, OutboxMessage.purpose == Purpose.RELAY)
    if since is not None:
        query = query.where(OutboxMessage.created_at >= since)
    return session.scalar(query.limit(1)) is not None
