"""What one phone is to the hotline, for the simulator page: its place on the roster and the
handoffs it takes part in. An officer's phone gets the coarse status an officer may know
(received, accepted, closed), the same as STATUS H-NNNN answers, never more."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.db.models import Handoff, Referral, Specialist
from bot.handoff.referral import STATUS
from bot.handoff.roster import officer_for_key


@dataclass(frozen=True)
class HandoffState:
    ref: str
    state: str
    outcome: str | None = None


@dataclass(frozen=True)
class PhoneSummary:
    role: str  # specialist | coordinator | officer | community
    name: str | None = None
    agency: str | None = None
    handoffs: list[HandoffState] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def summarise_phone(session: Session, number: str, number_key: str) -> PhoneSummary:
    """Checked in the order the channel routes a text: specialist, officer, then anyone else."""
    specialist = session.scalar(select(Specialist).where(Specialist.phone == number, Specialist.active == 1))
    if specialist is not None:
        assigned = session.scalars(select(Handoff).where(Handoff.specialist_id == specialist.id).order_by(Handoff.created_at))
        return PhoneSummary(
            role="coordinator" if specialist.is_coordinator else "specialist",
            name=specialist.name,
            handoffs=[HandoffState(h.ref, h.state, h.outcome) for h in assigned],
        )
    officer = officer_for_key(session, number_key)
    if officer is not None:
        referred = session.execute(
            select(Handoff.ref, Handoff.state).join(Referral, Referral.handoff_id == Handoff.id)
            .where(Referral.officer_id == officer.id).order_by(Handoff.created_at)
        )
        return PhoneSummary(
            role="officer", name=officer.name, agency=officer.agency,
            handoffs=[HandoffState(ref, STATUS[state]) for ref, state in referred],
        )
    own = session.scalars(
        select(Handoff).where(or_(Handoff.person_key == number_key, Handoff.person_number == number)).order_by(Handoff.created_at)
    )
    return PhoneSummary(role="community", handoffs=[HandoffState(h.ref, h.state, h.outcome) for h in own])
