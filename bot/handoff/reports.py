"""Handoff reports for program staff: counts, timings and outcomes; never a number or a message."""
from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Handoff, Officer, Referral
from bot.handoff.referrers import DEFAULT
from bot.handoff.states import OPEN
from bot.percentiles import percentile


def handoff_rows(session: Session, open_only: bool = False) -> list[dict]:
    query = select(Handoff).order_by(Handoff.created_at)
    if open_only:
        query = query.where(Handoff.state.in_(OPEN))
    return [
        {
            "ref": h.ref,
            "source": h.source,
            "state": h.state,
            "needs": [c for c in (h.needs or "").split(",") if c],
            "area": h.area,
            "language": h.language,
            "consent_by": h.consent_by,
            "created_at": _iso(h.created_at),
            "accepted_at": _iso(h.accepted_at),
            "closed_at": _iso(h.closed_at),
            "outcome": h.outcome,
        }
        for h in session.scalars(query)
    ]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value else None


def report(session: Session, sla_seconds: float, since: datetime | None = None) -> dict:
    query = select(Handoff)
    if since:
        query = query.where(Handoff.created_at >= since)
    handoffs = list(session.scalars(query))
    waits = [(h.accepted_at - h.created_at).total_seconds() for h in handoffs if h.accepted_at]
    within = sum(1 for w in waits if w <= sla_seconds)
    def minutes(value):
        return None if value is None else round(value / 60, 1)
    return {
        "since": _iso(since),
        "handoffs": len(handoffs),
        "by_source": dict(Counter(h.source for h in handoffs)),
        "by_state": dict(Counter(h.state for h in handoffs)),
        "accepted": len(waits),
        "sla_minutes": round(sla_seconds / 60, 1),
        "accepted_within_sla_percent": round(100 * within / len(handoffs), 1) if handoffs else None,
        "time_to_accept_minutes_p50": minutes(percentile(waits, 0.5)),
        "time_to_accept_minutes_p90": minutes(percentile(waits, 0.9)),
        "outcomes": dict(Counter(h.outcome for h in handoffs if h.outcome)),
        "agencies": agencies(session, sla_seconds, since),
        "referrer_kinds": kinds(session, sla_seconds, since),
    }


def agencies(session: Session, sla_seconds: float, since: datetime | None = None) -> dict:
    """Per agency, the measure the partnership literature asks for: referrals instead of arrests
    (referrals made, how many with consent, how many a specialist accepted within the SLA)."""
    return _referral_figures(session, sla_seconds, since, lambda referral, officer: referral.agency)


def kinds(session: Session, sla_seconds: float, since: datetime | None = None) -> dict:
    """The same figures per kind of referrer: police, EMS, fire (bot/handoff/referrers.py)."""
    return _referral_figures(session, sla_seconds, since, lambda referral, officer: str(officer.kind or DEFAULT))


def _referral_figures(session: Session, sla_seconds: float, since: datetime | None, group) -> dict:
    query = (select(Referral, Officer, Handoff).join(Officer, Officer.id == Referral.officer_id)
             .outerjoin(Handoff, Handoff.id == Referral.handoff_id))
    if since:
        query = query.where(Referral.created_at >= since)
    figures: dict[str, dict] = {}
    for referral, officer, handoff in session.execute(query):
        row = figures.setdefault(group(referral, officer), {"referrals": 0, "consented": 0, "accepted_within_sla": 0})
        row["referrals"] += 1
        row["consented"] += referral.consented
        if handoff and handoff.accepted_at and (handoff.accepted_at - handoff.created_at).total_seconds() <= sla_seconds:
            row["accepted_within_sla"] += 1
    for row in figures.values():
        row["consent_rate_percent"] = round(100 * row["consented"] / row["referrals"], 1)
        row["accepted_within_sla_percent"] = round(100 * row["accepted_within_sla"] / row["consented"], 1) if row["consented"] else None
    return figures
