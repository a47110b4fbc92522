"""The roster: who is on call, for which area and language, and who gets the next alert."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.db.models import Handoff, Officer, Specialist
from bot.directory.geo import lookup_zip
from bot.handoff.officer_pins import InvalidPin, asks_for_pin, set_pin
from bot.handoff.referrers import UnknownKind, parse_kind
from bot.handoff.states import OPEN
from bot.privacy import InvalidPhoneNumber, sender_key, to_e164

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
    now = now or datetime.now(UTC)
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


def officer_for_key(session: Session, phone_key: str) -> Officer | None:
    return session.scalar(select(Officer).where(Officer.phone_key == phone_key, Officer.active == 1))


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




# --- changing the roster: the rules `hub roster` and the console share (one code path) ---------

NAME_LIMIT = 120  # characters: a person's or an agency's name, as shown in alerts and lists


class RosterError(ValueError):
    """A roster change refused, with the message the CLI prints and the console shows. `field` names
    the input at fault (phone, zips, languages, hours, agency, pin); None when the input is fine but
    the roster says no (already on it, not on it)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class OfficerRegistered:
    officer: Officer
    pin_only: bool  # already registered: only a new PIN was set


def normalise_phone(text: str, region: str) -> str:
    try:
        return to_e164(text or "", region)
    except InvalidPhoneNumber as exc:
        raise RosterError(str(exc), "phone") from None


def checked_name(text: str | None, field: str = "name") -> str:
    name = " ".join((text or "").split())
    if not name:
        raise RosterError("is required", field)
    if len(name) > NAME_LIMIT:
        raise RosterError(f"at most {NAME_LIMIT} characters", field)
    return name


def split_list(text: str | None) -> list[str]:
    """A comma-separated column or option ("98104,98122") as its items."""
    return [item.strip() for item in (text or "").split(",") if item.strip()]


def _checked_specialist_fields(zips_text: str, languages_text: str, hours: str | None) -> tuple[list[str], list[str], str | None]:
    zips = split_list(zips_text)
    unknown = [z for z in zips if lookup_zip(z) is None]
    if not zips or unknown:
        raise RosterError(f"{', '.join(unknown) or 'nothing given'} is not a known US ZIP code", "zips")
    languages = [code.lower() for code in split_list(languages_text)]
    if not languages or any(len(code) != 2 or not code.isalpha() for code in languages):
        raise RosterError("two-letter codes such as en,es", "languages")
    hours = (hours or "").strip() or None
    try:
        parse_hours(hours)
    except InvalidHours as exc:
        raise RosterError(str(exc), "hours") from None
    return zips, languages, hours


def add_specialist(session: Session, name: str, phone: str, zips: str, languages: str = "en", hours: str | None = None,
                   region: str = "US", now: datetime | None = None) -> Specialist:
    """A specialist who receives handoff alerts. Someone removed before comes back on their old row
    (the handoff log names it)."""
    phone = normalise_phone(phone, region)
    name = checked_name(name)
    zip_list, language_list, hours = _checked_specialist_fields(zips, languages, hours)
    existing = session.scalar(select(Specialist).where(Specialist.phone == phone))
    if existing and existing.active:
        raise RosterError(f"{phone} is already on the roster as {existing.name}")
    specialist = existing or Specialist(phone=phone, created_at=now or utcnow())
    specialist.name, specialist.zips, specialist.languages = name, ",".join(zip_list), ",".join(language_list)
    specialist.hours, specialist.active, specialist.is_coordinator = hours, 1, 0
    if specialist.off_call == "off":  # added back on purpose: on call again (a STOP holds until START)
        specialist.off_call, specialist.off_call_since = None, None
    session.add(specialist)
    session.flush()
    return specialist


def edit_specialist(session: Session, specialist_id: int, name: str, zips: str, languages: str, hours: str | None) -> Specialist:
    """Change a specialist's name, coverage, languages or hours (the same checks as adding one);
    their number and what they texted (OFF, STOP) stay as they are."""
    specialist = session.get(Specialist, specialist_id)
    if specialist is None or not specialist.active:
        raise RosterError("that person is not on the roster")
    name = checked_name(name)
    zip_list, language_list, hours = _checked_specialist_fields(zips, languages, hours)
    specialist.name, specialist.zips, specialist.languages, specialist.hours = (
        name, ",".join(zip_list), ",".join(language_list), hours)
    session.flush()
    return specialist


def add_officer(session: Session, name: str, phone: str, agency: str, pin: str | None, secret_key: str,
                region: str = "US", now: datetime | None = None, kind: str | None = None) -> OfficerRegistered:
    """Register an officer's (or an EMS or fire crew member's: `kind`, bot/handoff/referrers.py)
    work phone for referrals; on a number already registered, only a new PIN may be set."""
    phone = normalise_phone(phone, region)
    agency = checked_name(agency, "agency")
    try:
        kind = parse_kind(kind)
    except UnknownKind as exc:
        raise RosterError(str(exc), "kind") from None
    try:
        officer = session.scalar(select(Officer).where(Officer.phone == phone))
        if officer and officer.active:
            if pin is None:
                raise RosterError(f"{phone} is already registered for {officer.agency}")
            set_pin(officer, pin)
            return OfficerRegistered(officer, pin_only=True)
        name = checked_name(name)
        officer = officer or Officer(phone=phone, created_at=now or utcnow())
        officer.name, officer.agency, officer.kind, officer.active = name, agency, kind, 1
        officer.phone_key = sender_key(phone, secret_key, region)
        officer.pin_hash, officer.pin_failures = None, 0
        if pin is not None:
            set_pin(officer, pin)
    except InvalidPin as exc:
        raise RosterError(str(exc), "pin") from None
    session.add(officer)
    session.flush()
    return OfficerRegistered(officer, pin_only=False)


def roster_listing(session: Session) -> list[dict]:
    """Who is on the roster (`hub roster list`, the console): the coordinator first, specialists,
    then officers by agency."""
    rows = [
        {"name": s.name, "phone": s.phone, "role": "coordinator" if s.is_coordinator else "specialist",
         "zips": split_list(s.zips), "languages": split_list(s.languages), "hours": s.hours or "always",
         # texted OFF (until ON) or STOP (until START): not alerted, whatever the hours say
         "off_call": s.off_call}
        for s in session.scalars(select(Specialist).where(Specialist.active == 1)
                                 .order_by(Specialist.is_coordinator.desc(), Specialist.name))
    ]
    rows += [
        {"name": o.name, "phone": o.phone, "role": "officer", "agency": o.agency, "kind": o.kind,
         # on the voice line: "set", "locked" (too many wrong PINs; set it again) or "none"
         "pin": "none" if not o.pin_hash else ("set" if asks_for_pin(o) else "locked")}
        for o in session.scalars(select(Officer).where(Officer.active == 1).order_by(Officer.agency, Officer.name))
    ]
    return rows
