"""What the handoff does when its alert cannot reach the specialist's phone: Twilio's receipt says
undelivered or failed (30003 unreachable, 30005 unknown number, 30007 carrier filtering...), the
worker gave up on it, or the number has opted out. Waiting out the escalation deadline for a
phone that will never ring would leave the person waiting for nobody, so the handoff moves on to
the next specialist at once."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.db.models import Handoff, OutboxMessage, Specialist
from bot.handoff.engine import alert_next, log
from bot.handoff.states import OFFERED, State
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
    log(session, handoff, "undelivered", now, specialist, detail=reason[:64])
    if handoff.state == State.ESCALATED:
        # The coordinator was the last one to ask: there is nobody to move on to. The handoff
        # keeps its deadline and `hub status` counts the undelivered alert for an operator.
        return None
    return alert_next(session, handoff, now)


def take_receipt(session: Session, outbox_id: int | None, message_sid: str, status: str, error_code: str | None) -> OutboxMessage | None:
    """A delivery receipt from Twilio: recorded on its outbox row, and an alert it says never
    arrived re-offered. Returns the row when the receipt was for one of ours."""
    message, undeliverable = record_receipt(session, outbox_id, message_sid, status, error_code)
    if message is not None and undeliverable:
        alert_not_delivered(session, message, f"{status} {error_code or ''}".strip())
    return message
