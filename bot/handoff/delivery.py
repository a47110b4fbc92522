"""What the handoff does when a message of it cannot reach a phone: Twilio's receipt says
undelivered or failed (30003 unreachable, 30005 unknown number, 30007 carrier filtering...), the
worker gave up on it, or the number has opted out.

An alert: waiting out the escalation deadline for a phone that will never ring would leave the
person waiting for nobody, so the handoff moves on to the next specialist at once.

Relayed words: reported, not resent (Twilio has already tried the carrier, and words resent an
hour later may mislead). The specialist learns that the person did not get theirs; the person and
the coordinator learn that the specialist did not get the person's. Nothing dies quietly."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.db.models import Handoff, HandoffLog, OutboxMessage, Specialist
from bot.handoff import texts
from bot.handoff.engine import alert_next, log, send
from bot.handoff.roster import coordinator
from bot.handoff.states import OFFERED, LogEvent, State
from bot.notify.outbox import Purpose
from bot.notify.receipts import record_receipt


def alert_not_delivered(session: Session, message: OutboxMessage, reason: str, now: datetime | None = None) -> Specialist | None:
    """Re-offer the handoff of an undeliverable alert to the next specialist on call (or the
    coordinator), if it is still waiting on the specialist that alert was for; returns who was
    alerted now. Anything else (a relay, a notice, a handoff already accepted or passed on) is
    left as it is: a second receipt, or a replayed one, changes nothing."""
    if message.purpose not in (Purpose.ALERT, Purpose.ESCALATION) or message.handoff_id is None:
        return None
    now = now or utcnow()
    handoff = session.get(Handoff, message.handoff_id, with_for_update=True)
    if handoff is None or handoff.state not in OFFERED or handoff.specialist_id is None:
        return None
    specialist = session.get(Specialist, handoff.specialist_id)
    if specialist is None or specialist.phone != message.to_number:
        return None
    log(session, handoff, LogEvent.UNDELIVERED, now, specialist, detail=reason[:64])
    if handoff.state == State.ESCALATED:
        # The coordinator was the last one to ask: there is nobody to move on to. The handoff
        # keeps its deadline and `hub status` counts the undelivered alert for an operator.
        return None
    return alert_next(session, handoff, now)


# However many parts of a message (or messages in a row) fail, one report per handoff and
# direction in this window: a phone that is off fails every part alike.
RELAY_REPORT_WINDOW = timedelta(minutes=10)
RELAY_FAILED_TO_PERSON = LogEvent.RELAY_FAILED_PERSON
RELAY_FAILED_TO_SPECIALIST = LogEvent.RELAY_FAILED_SPECIALIST


def relay_not_delivered(session: Session, message: OutboxMessage, reason: str, now: datetime | None = None) -> str | None:
    """Report relayed words that never reached their phone to whoever can act on it; returns the
    event logged, or None when the row is no relay of a handoff or the failure was reported
    already (a second part, a replayed receipt)."""
    if message.purpose != Purpose.RELAY or message.handoff_id is None:
        return None
    now = now or utcnow()
    handoff = session.get(Handoff, message.handoff_id, with_for_update=True)
    if handoff is None:
        return None
    specialist = session.get(Specialist, handoff.specialist_id) if handoff.specialist_id else None
    event = RELAY_FAILED_TO_PERSON if message.to_number == handoff.person_number else RELAY_FAILED_TO_SPECIALIST
    reported = session.scalar(select(HandoffLog.id).where(
        HandoffLog.handoff_id == handoff.id, HandoffLog.event == event, HandoffLog.at >= now - RELAY_REPORT_WINDOW).limit(1))
    if reported is not None:
        return None
    reason = reason[:64]
    log(session, handoff, event, now, specialist, detail=reason)
    if event == RELAY_FAILED_TO_PERSON:
        send(session, specialist.phone if specialist else None, texts.relay_failed_to_person(handoff, reason),
             Purpose.NOTICE, handoff.id)
    else:
        fallback = coordinator(session)
        told = fallback is not None and (specialist is None or fallback.id != specialist.id)
        if told:
            send(session, fallback.phone, texts.relay_failed_to_specialist(handoff, specialist.name if specialist else None, reason),  # type: ignore[union-attr]  # told is True only with a fallback
                 Purpose.NOTICE, handoff.id)
        send(session, handoff.person_number, texts.person_relay_failed(handoff, coordinator_told=told), Purpose.NOTICE, handoff.id)
    return event


def not_delivered(session: Session, message: OutboxMessage, reason: str, now: datetime | None = None) -> None:
    """A message of a handoff that will never arrive: an alert re-offered, relayed words reported."""
    alert_not_delivered(session, message, reason, now)
    relay_not_delivered(session, message, reason, now)


def take_receipt(session: Session, outbox_id: int | None, message_sid: str, status: str, error_code: str | None) -> OutboxMessage | None:
    """A delivery receipt from Twilio: recorded on its outbox row; an alert it says never arrived
    re-offered, relayed words reported. Returns the row when the receipt was for one of ours."""
    message, undeliverable = record_receipt(session, outbox_id, message_sid, status, error_code)
    if message is not None and undeliverable:
        not_delivered(session, message, f"{status} {error_code or ''}".strip())
    return message
