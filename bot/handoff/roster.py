"""The roster: who is on call, for which area and language, and who gets the next alert."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import Handoff, Specialist
from bot.directory.geo import lookup_zip
from bot.handoff.states import OPEN

_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
_SPAN = re.compile(r"^\s*([A-Z]{2}(?:\s*-\s*[A-Z]{2})?(?:\s*,\s*[A-Z]{2}(?:\s*-\s*[A-Z]{2})?)*)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class InvalidHours(ValueError):
    pass


@dataclass(frozen=True)
class OnCallSpan:
    days: frozenset[int]  # 0 = Monday
    start: time
    end: time  # at or before start: runs past midnight


def parse_hours(text: str | None) -> list[OnCallSpan]:
    """'MO-FR 08:00-20:00; SA,SU 10:00-14:00' into spans; empty text means always on call."""
    if not text or not text.strip():
        return []
    spans = []
    for part in text.upper().split(";"):
        match = _SPAN.match(part)
        if not match:
            raise InvalidHours(f"{part.strip()!r} is not like 'MO-FR 08:00-20:00'")
        days: set[int] = set()
        for piece in match.group(1).replace(" ", "").split(","):
            first, _, last = piece.partition("-")
            if first not in _DAYS or (last and last not in _DAYS):
                raise InvalidHours(f"unknown day in {piece!r}; use MO TU WE TH FR SA SU")
            a, b = _DAYS.index(first), _DAYS.index(last or first)
            days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
        h1, m1, h2, m2 = (int(match.group(i)) for i in range(2, 6))
        if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59:
            raise InvalidHours(f"{part.strip()!r} has an impossible time")
        spans.append(OnCallSpan(frozenset(days), time(h1 % 24, m1), time(h2 % 24, m2)))
    return spans


def on_call(spans: list[OnCallSpan], local: datetime) -> bool:
    if not spans:
        return True
    now = local.time()
    today, yesterday = local.weekday(), (local.weekday() - 1) % 7
    for span in spans:
        if span.end > span.start:
            if today in span.days and span.start <= now < span.end:
                return True
        else:  # overnight, e.g. 20:00-08:00
            if (today in span.days and now >= span.start) or (yesterday in span.days and now < span.end):
                return True
    return False


def specialist_zone(specialist: Specialist) -> ZoneInfo:
    for code in (specialist.zips or "").split(","):
        place = lookup_zip(code)
        if place and place.timezone:
            return ZoneInfo(place.timezone)
    return ZoneInfo("America/Los_Angeles")


def is_on_call(specialist: Specialist, now: datetime) -> bool:
    local = now.astimezone(specialist_zone(specialist)).replace(tzinfo=None)
    return on_call(parse_hours(specialist.hours), local)


def covers(specialist: Specialist, area: str | None) -> bool:
    """Whether the specialist covers the ZIP; with no area known (an officer who gave only a
    number) anyone on call may take it."""
    zips = {z.strip() for z in (specialist.zips or "").split(",") if z.strip()}
    return not zips or not area or area in zips


def speaks(specialist: Specialist, language: str) -> bool:
    return language in {code.strip() for code in (specialist.languages or "en").split(",")}


def choose_specialist(session: Session, area: str | None, language: str, exclude: set[int], now: datetime | None = None) -> Specialist | None:
    """The best on-call specialist for a handoff: covers the area, on call, not yet asked; among
    those, one who speaks the language, then the fewest open handoffs, then the longest on the
    roster. A language match is preferred, not required: nobody reached is worse than English."""
    now = now or datetime.now(timezone.utc)
    open_counts = dict(
        session.execute(
            select(Handoff.specialist_id, func.count())
            .where(Handoff.state.in_(OPEN), Handoff.specialist_id.is_not(None))
            .group_by(Handoff.specialist_id)
        ).all()
    )
    candidates = [
        s
        for s in session.scalars(select(Specialist).where(Specialist.active == 1, Specialist.is_coordinator == 0,
                                                          Specialist.off_call.is_(None)).order_by(Specialist.id))
        if s.id not in exclude and covers(s, area) and is_on_call(s, now)
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda s: (not speaks(s, language), open_counts.get(s.id, 0), s.id))


def coordinator(session: Session) -> Specialist | None:
    """The coordinator who takes what no specialist accepted; None while they are off call by
    text (see unreachable_coordinators)."""
    return session.scalars(select(Specialist).where(Specialist.active == 1, Specialist.is_coordinator == 1,
                                                    Specialist.off_call.is_(None))).first()


def unreachable_coordinators(session: Session) -> list[Specialist]:
    """Coordinators who texted STOP (off_call "stop": nothing reaches them) or OFF ("off"): while
    they are, requests nobody accepts wait for nobody. An operator warning (`hub status`)."""
    return list(session.scalars(select(Specialist).where(
        Specialist.active == 1, Specialist.is_coordinator == 1, Specialist.off_call.is_not(None)).order_by(Specialist.id)))


