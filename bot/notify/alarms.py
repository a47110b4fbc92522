"""Operator alarms: what only a person can fix (Twilio refusing the account's credentials, the
sending number's queue full). The worker raises one when Twilio answers so, and clears it when a
message goes out again; `hub status` shows what stands. Codes and plain words only: no number,
no message."""
from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.db.models import OperatorAlarm


def raise_alarm(session: Session, name: str, detail: str) -> bool:
    """Raise (or renew) an alarm; True when it was not standing already."""
    now = utcnow()
    alarm = session.get(OperatorAlarm, name)
    if alarm is None:
        session.add(OperatorAlarm(name=name, detail=detail, raised_at=now, last_seen_at=now))
        return True
    alarm.detail, alarm.last_seen_at = detail, now
    return False


def clear_alarms(session: Session, prefix: str) -> list[str]:
    """Clear the alarms whose name starts with `prefix` (the transport works again); their names."""
    names = list(session.scalars(select(OperatorAlarm.name).where(OperatorAlarm.name.startswith(prefix))))
    if names:
        session.execute(delete(OperatorAlarm).where(OperatorAlarm.name.in_(names)))
    return names


def standing_alarms(session: Session) -> list[OperatorAlarm]:
    return list(session.scalars(select(OperatorAlarm).order_by(OperatorAlarm.raised_at)))
