"""Handoff reports for program staff: counts, timings and outcomes; never a number or a message."""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import CheckIn, Handoff, Officer, Referral
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
    def minutes(value: float | None) -> float | None:
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
        "linkage": linkage(session, since),
    }


def agencies(session: Session, sla_seconds: float, since: datetime | None = None) -> dict:
    """Per agency, the measure the partnership literature asks for: referrals instead of arrests
    (referrals made, how many with consent, how many a specialist accepted within the SLA)."""
    return _referral_figures(session, sla_seconds, since, lambda referral, officer: referral.agency)


def kinds(session: Session, sla_seconds: float, since: datetime | None = None) -> dict:
    """The same figures per kind of referrer: police, EMS, fire (bot/handoff/referrers.py)."""
    return _referral_figures(session, sla_seconds, since, lambda referral, officer: str(officer.kind or DEFAULT))


def _referral_figures(session: Session, sla_seconds: float, since: datetime | None, group: Any) -> dict:
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


def linkage(session: Session, since: datetime | None = None) -> dict:
    """Follow-up check-ins (bot/handoff/follow_up.py), counts only: sent, answered, connected
    (replied 1), re-opened (replied 3, or 2 and then yes), by the source of the first handoff in the chain and by
    the referring agency; and re-contacts, the handoffs a reply re-opened."""
    handoffs = {h.id: h for h in session.scalars(select(Handoff))}
    agency_of = dict(session.execute(select(Referral.handoff_id, Referral.agency).where(Referral.handoff_id.is_not(None))).all())

    def first(handoff: Handoff) -> Handoff:
        seen = set()
        while handoff.follow_up_of and handoff.follow_up_of in handoffs and handoff.id not in seen:
            seen.add(handoff.id)
            handoff = handoffs[handoff.follow_up_of]
        return handoff

    def empty() -> dict:
        return {"sent": 0, "answered": 0, "connected": 0, "reopened": 0}

    total, by_source, by_agency = empty(), {}, {}  # type: ignore[var-annotated]  # dicts of empty()'s counts, by key
    query = select(CheckIn).where(CheckIn.status == "sent")
    if since:
        query = query.where(CheckIn.at >= since)
    for check_in in session.scalars(query):
        origin = first(handoffs[check_in.handoff_id])
        rows = [total, by_source.setdefault(origin.source, empty())]
        if origin.id in agency_of:
            rows.append(by_agency.setdefault(agency_of[origin.id], empty()))
        for row in rows:
            row["sent"] += 1
            row["answered"] += check_in.answer is not None
            row["connected"] += check_in.answer == "1"
            row["reopened"] += check_in.reopened_handoff_id is not None  # a 2 opens one only after a yes
    re_contacts = sum(1 for h in handoffs.values() if h.follow_up_of and (since is None or h.created_at >= since))
    return {"check_ins": total, "by_source": by_source, "by_agency": by_agency, "re_contacts": re_contacts}


def weekly(session: Session, since: datetime) -> list[dict]:
    """Per week (starting Monday, UTC) since `since`: handoffs by source, and the time to accept
    (p50, p90, in minutes) of those accepted. Weeks without a handoff are listed too, with zeros,
    so that a trend shows the quiet weeks."""
    from datetime import timedelta

    start = (since - timedelta(days=since.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    handoffs = list(session.scalars(select(Handoff).where(Handoff.created_at >= start)))
    sources = sorted({h.source for h in handoffs})
    weeks: dict[datetime, list[Handoff]] = {}
    week = start
    last = max([h.created_at for h in handoffs], default=start)
    while week <= last:
        weeks[week] = []
        week += timedelta(days=7)
    for handoff in handoffs:
        monday = (handoff.created_at - timedelta(days=handoff.created_at.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
        weeks.setdefault(monday, []).append(handoff)
    rows = []
    for monday, in_week in sorted(weeks.items()):
        waits = [(h.accepted_at - h.created_at).total_seconds() / 60 for h in in_week if h.accepted_at]
        p50, p90 = percentile(waits, 0.5), percentile(waits, 0.9)
        rows.append({
            "week": monday.date().isoformat(),
            "by_source": {source: sum(1 for h in in_week if h.source == source) for source in sources},
            "accepted": len(waits),
            "time_to_accept_minutes_p50": None if p50 is None else round(p50, 1),
            "time_to_accept_minutes_p90": None if p90 is None else round(p90, 1),
        })
    return rows


def counts_by_state(session: Session) -> dict[str, int]:
    """How many handoffs are in each state now (the console's /metrics)."""
    return dict(session.execute(select(Handoff.state, func.count()).group_by(Handoff.state)).all())
