"""The console's board: handoffs now, grouped as a coordinator looks at them, with references,
needs, area, language, source and age; never a number or a word of what anyone said. The number
of one handoff is read only by `number_of`, which the console calls for a manager and audits."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.db.models import Handoff, HandoffLog, Specialist
from bot.handoff.roster import split_list
from bot.handoff.states import OFFERED, State

# The board's groups, in the order shown. A handoff is in one group only: one waiting or alerted
# past the SLA is in "late", which is what needs a person first.
GROUPS = (
    ("late", "Past the SLA"),
    ("waiting", "Waiting"),
    ("alerted", "Alerted"),
    ("accepted", "Accepted"),
    ("closed", "Closed today"),
)
WAITING, ALERTED = (State.CREATED,), OFFERED  # escalated: alerted to the coordinator


def _age(now: datetime, then: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 86400} d {seconds % 86400 // 3600} h"


def board(session: Session, sla_seconds: float, now: datetime | None = None) -> dict[str, list[dict]]:
    now = now or utcnow()
    start_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0)  # UTC, as stored
    handoffs = session.execute(
        select(Handoff, Specialist.name).outerjoin(Specialist, Specialist.id == Handoff.specialist_id)
        .where(or_(Handoff.state.in_(WAITING + ALERTED + (State.ACCEPTED,)), Handoff.closed_at >= start_of_day))
        .order_by(Handoff.created_at)
    ).all()
    groups: dict[str, list[dict]] = {key: [] for key, _ in GROUPS}
    sla = timedelta(seconds=sla_seconds)
    for handoff, specialist in handoffs:
        if handoff.state in WAITING + ALERTED:
            group = "late" if now - handoff.created_at > sla else ("waiting" if handoff.state in WAITING else "alerted")
        elif handoff.state == State.ACCEPTED:
            group = "accepted"
        else:
            group = "closed"
        groups[group].append({
            "ref": handoff.ref,
            "state": handoff.state,
            "needs": split_list(handoff.needs),
            "area": handoff.area or "",
            "language": handoff.language,
            "source": handoff.source,
            "urgent": bool(handoff.urgent),
            "age": _age(now, handoff.created_at),
            "with": specialist if handoff.state in ALERTED + (State.ACCEPTED,) else None,
            "outcome": handoff.outcome,
        })
    return groups


def handoff_detail(session: Session, ref: str) -> dict | None:
    """One handoff and its steps, without the number, the note or any words."""
    handoff = session.scalar(select(Handoff).where(Handoff.ref == ref))
    if handoff is None:
        return None
    steps = session.execute(
        select(HandoffLog.at, HandoffLog.event, HandoffLog.state, Specialist.name)
        .outerjoin(Specialist, Specialist.id == HandoffLog.specialist_id)
        .where(HandoffLog.handoff_id == handoff.id).order_by(HandoffLog.id)
    ).all()
    return {
        "ref": handoff.ref, "state": handoff.state, "source": handoff.source, "needs": split_list(handoff.needs),
        "area": handoff.area or "", "language": handoff.language, "urgent": bool(handoff.urgent),
        "consent_by": handoff.consent_by, "created_at": handoff.created_at, "accepted_at": handoff.accepted_at,
        "closed_at": handoff.closed_at, "outcome": handoff.outcome, "has_number": bool(handoff.person_number),
        "steps": [{"at": at, "event": event, "state": state, "who": who} for at, event, state, who in steps],
    }


def number_of(session: Session, ref: str) -> str | None:
    """The person's number, for a manager who must call them; None once purged or never given."""
    return session.scalar(select(Handoff.person_number).where(Handoff.ref == ref))
