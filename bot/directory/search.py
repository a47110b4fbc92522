"""Nearest-first search of active services of one type, with today's hours and low-barrier flags."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.config import get_settings
from bot.db.models import Address, CostOption, Language, Phone, Schedule, Service, ServicePoint
from bot.directory.barriers import low_barrier_flags
from bot.directory.geo import Place, bounding_box, miles_between
from bot.directory.hours import OpeningRule, describe_day, open_at
from bot.directory.reports import reported_closed
from bot.directory.taxonomy import SERVICE_TYPES

# When nothing is within the radius, the search widens step by step and says how far it went.
WIDENING_MILES = (100.0, 250.0, 500.0)
_CHUNK = 500


class UnknownServiceType(ValueError):
    pass


@dataclass(frozen=True)
class ServiceMatch:
    service_id: str
    location_id: str
    name: str
    street: str | None
    city: str | None
    postal_code: str | None
    distance_miles: float
    phone: str | None
    hours_today: str
    open_now: bool | None  # None: the directory has no hours for it
    flags: tuple[str, ...] = field(default=())
    verified_on: date | None = None  # when the directory last confirmed the listing
    call_ahead: bool = False  # not verified within HUB_STALE_AFTER
    reported_closed: bool = False  # texters reported it closed; the coordinator has not cleared it


@dataclass(frozen=True)
class SearchResult:
    service_type: str
    origin: Place
    requested_radius_miles: float
    radius_miles: float
    widened: bool
    open_first: bool
    offset: int
    matches: list[ServiceMatch]
    total: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.matches) < self.total


@dataclass(frozen=True)
class _Candidate:
    distance: float
    name: str
    service_id: str
    location_id: str
    time_zone: str | None


_RULE_COLUMNS = (
    Schedule.opens_at, Schedule.closes_at, Schedule.freq, Schedule.interval, Schedule.byday, Schedule.bymonthday,
    Schedule.dtstart, Schedule.valid_from, Schedule.valid_to, Schedule.until, Schedule.count, Schedule.wkst,
)


# Built once: constructing a statement with a long IN list costs as much as running it.
_IDS = bindparam("ids", expanding=True)
_LOCATION_IDS = bindparam("location_ids", expanding=True)
_SCHEDULES = select(Schedule.service_id, Schedule.location_id, *_RULE_COLUMNS).where(Schedule.service_id.in_(_IDS))
_SERVICE_TEXTS = select(
    Service.id, Service.fees_description, Service.eligibility_description, Service.application_process, Service.verified_on,
).where(Service.id.in_(_IDS))
_ADDRESSES = (
    select(Address.location_id, Address.address_1, Address.city, Address.postal_code)
    .where(Address.location_id.in_(_LOCATION_IDS))
    .order_by(Address.address_type != "physical", Address.id)
)
_PHONES = select(Phone.service_id, Phone.location_id, Phone.number).where(Phone.service_id.in_(_IDS)).order_by(Phone.id)
_COSTS = select(CostOption.service_id, CostOption.amount, CostOption.option).where(CostOption.service_id.in_(_IDS))
_LANGUAGES = select(Language.service_id, Language.location_id, Language.code, Language.name).where(
    Language.service_id.in_(_IDS) | Language.location_id.in_(_LOCATION_IDS)
)
_POINTS = select(
    ServicePoint.service_id, ServicePoint.name, ServicePoint.location_id,
    ServicePoint.latitude, ServicePoint.longitude, ServicePoint.time_zone,
).where(ServicePoint.hub_code == bindparam("code"))
_POINTS_WITHIN = _POINTS.where(
    ServicePoint.latitude.between(bindparam("min_lat"), bindparam("max_lat")),
    ServicePoint.longitude.between(bindparam("min_lon"), bindparam("max_lon")),
)


def _rule(row) -> OpeningRule:
    return OpeningRule(
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        freq=row.freq,
        interval=row.interval or 1,
        byday=row.byday,
        bymonthday=row.bymonthday,
        dtstart=row.dtstart,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        until=row.until,
        count=row.count,
        wkst=row.wkst,
    )


def _local_now(now: datetime, zone: str | None, fallback: str | None) -> datetime:
    for name in (zone, fallback, get_settings().directory_timezone):
        if not name:
            continue
        try:
            return now.astimezone(ZoneInfo(name)).replace(tzinfo=None)
        except ZoneInfoNotFoundError:
            continue
    return now.replace(tzinfo=None)


def _candidates(session: Session, code: str, origin: Place, miles: float | None) -> list[_Candidate]:
    if miles is None:
        rows = session.execute(_POINTS, {"code": code})
    else:
        min_lat, max_lat, min_lon, max_lon = bounding_box(origin.latitude, origin.longitude, miles)
        rows = session.execute(_POINTS_WITHIN, {"code": code, "min_lat": min_lat, "max_lat": max_lat, "min_lon": min_lon, "max_lon": max_lon})
    found = []
    for service_id, name, location_id, lat, lon, zone in rows:
        distance = miles_between(origin.latitude, origin.longitude, lat, lon)
        if miles is None or distance <= miles:
            found.append(_Candidate(distance, name, service_id, location_id, zone))
    found.sort(key=lambda c: (c.distance, c.name, c.service_id))
    return found


def _schedules(session: Session, service_ids) -> dict[str, list[tuple[str | None, OpeningRule]]]:
    """(location_id, rule) pairs by service: a schedule row may hold for one location or all."""
    ids = sorted(set(service_ids))
    by_service: dict[str, list[tuple[str | None, OpeningRule]]] = {i: [] for i in ids}
    for start in range(0, len(ids), _CHUNK):
        for row in session.execute(_SCHEDULES, {"ids": ids[start : start + _CHUNK]}):
            by_service[row.service_id].append((row.location_id, _rule(row)))
    return by_service


def _rules_for(schedules: dict[str, list[tuple[str | None, OpeningRule]]], candidate: _Candidate) -> list[OpeningRule]:
    return [rule for location_id, rule in schedules.get(candidate.service_id, ()) if location_id in (None, candidate.location_id)]


def _open_first(session, found: list[_Candidate], needed: int, origin: Place, now: datetime, schedules: dict) -> list[_Candidate]:
    """Open candidates first, each group nearest first. Hours are evaluated in distance order, in
    growing batches, only until `needed` open ones are known: the page is then fully determined
    (later pages ask again with a larger `needed`). `schedules` collects what was loaded."""
    open_ones: list[_Candidate] = []
    evaluated, batch = 0, 8
    while evaluated < len(found) and len(open_ones) < needed:
        chunk = found[evaluated : evaluated + batch]
        schedules.update(_schedules(session, [c.service_id for c in chunk]))
        open_ones += [c for c in chunk if open_at(_rules_for(schedules, c), _local_now(now, c.time_zone, origin.timezone))]
        evaluated += len(chunk)
        batch *= 2
    first = {id(c) for c in open_ones}
    return open_ones + [c for c in found if id(c) not in first]


def find_services(
    session: Session,
    code: str,
    origin: Place,
    *,
    limit: int = 3,
    offset: int = 0,
    radius_miles: float = 50.0,
    open_first: bool = False,
    now: datetime | None = None,
    stale_after: timedelta | None = None,
    closed_reports: int | None = None,
) -> SearchResult:
    """Active services of type `code` nearest to `origin` (open ones first when `open_first`),
    within `radius_miles` or, when there is none, within the first widening step that finds some.
    Places reported closed by `closed_reports` different numbers come after all others; listings
    verified longer than `stale_after` ago say to call ahead (both default to the settings)."""
    if code not in SERVICE_TYPES:
        raise UnknownServiceType(code)
    now = now or datetime.now(UTC)
    if stale_after is None or closed_reports is None:
        settings = get_settings()
        stale_after = timedelta(seconds=settings.stale_after_seconds) if stale_after is None else stale_after
        closed_reports = settings.closed_reports if closed_reports is None else closed_reports
    radius, widened = radius_miles, False
    found = _candidates(session, code, origin, radius)
    for step in WIDENING_MILES:
        if found or step <= radius_miles:
            continue
        radius, widened = step, True
        found = _candidates(session, code, origin, step)

    schedules: dict = {}
    flagged = reported_closed(session, closed_reports) if found else set()
    reported = [c for c in found if (c.service_id, c.location_id) in flagged]
    if reported:
        found = [c for c in found if (c.service_id, c.location_id) not in flagged]
    if open_first and found:
        found = _open_first(session, found, offset + limit, origin, now, schedules)
    found += reported  # below every place with no reports, open or not
    page = found[offset : offset + limit]
    return SearchResult(
        service_type=code,
        origin=origin,
        requested_radius_miles=radius_miles,
        radius_miles=radius,
        widened=widened,
        open_first=open_first,
        offset=offset,
        matches=_details(session, page, origin, now, schedules, flagged, stale_after),
        total=len(found),
    )


def service_details(session: Session, service_id: str, location_id: str, now: datetime | None = None) -> ServiceMatch | None:
    """One active service at one location, as a search would show it (distance 0): for a place
    asked for by name. None when it is not (or no longer) in the directory."""
    row = session.execute(
        select(ServicePoint.name, ServicePoint.time_zone)
        .where(ServicePoint.service_id == service_id, ServicePoint.location_id == location_id)
        .limit(1)
    ).first()
    if row is None:
        return None
    candidate = _Candidate(0.0, row.name, service_id, location_id, row.time_zone)
    settings = get_settings()
    flagged = reported_closed(session, settings.closed_reports)
    return _details(session, [candidate], None, now or datetime.now(UTC), None, flagged,
                    timedelta(seconds=settings.stale_after_seconds))[0]


def _details(session: Session, page: list[_Candidate], origin: Place | None, now: datetime, schedules=None,
             flagged: set | frozenset = frozenset(), stale_after: timedelta | None = None) -> list[ServiceMatch]:
    if not page:
        return []
    service_ids = sorted({c.service_id for c in page})
    location_ids = sorted({c.location_id for c in page})
    ids = {"ids": service_ids, "location_ids": location_ids}
    texts, verified = {}, {}
    for row in session.execute(_SERVICE_TEXTS, ids):
        texts[row.id] = (row.fees_description, row.eligibility_description, row.application_process)
        verified[row.id] = row.verified_on
    stale_before = (now.date() - stale_after) if stale_after is not None else None
    addresses: dict[str, tuple] = {}
    for row in session.execute(_ADDRESSES, ids):
        addresses.setdefault(row.location_id, row)
    phones: dict[str, list[tuple]] = defaultdict(list)
    for row in session.execute(_PHONES, ids):
        phones[row.service_id].append(row)
    costs: dict[str, list[tuple]] = defaultdict(list)
    for row in session.execute(_COSTS, ids):
        costs[row.service_id].append((row.amount, row.option))
    languages: dict[str, list[tuple]] = defaultdict(list)
    for row in session.execute(_LANGUAGES, ids):
        languages[row.service_id or row.location_id].append((row.code, row.name))
    schedules = dict(schedules or {})
    missing = [i for i in service_ids if i not in schedules]
    if missing:
        schedules.update(_schedules(session, missing))

    matches = []
    for candidate in page:
        address = addresses.get(candidate.location_id)
        local_now = _local_now(now, candidate.time_zone, origin.timezone if origin else None)
        rules = _rules_for(schedules, candidate)
        phone = next((p.number for p in phones[candidate.service_id] if p.location_id in (None, candidate.location_id)), None)  # type: ignore[attr-defined]  # as above
        flags = low_barrier_flags(
            texts.get(candidate.service_id, ()),
            costs[candidate.service_id],
            languages[candidate.service_id] + languages[candidate.location_id],
        )
        matches.append(
            ServiceMatch(
                service_id=candidate.service_id,
                location_id=candidate.location_id,
                name=candidate.name,
                street=address.address_1 if address else None,  # type: ignore[attr-defined]  # as above
                city=address.city if address else None,  # type: ignore[attr-defined]  # as above
                postal_code=address.postal_code if address else None,  # type: ignore[attr-defined]  # rows of a select(), typed as plain tuples (SQLAlchemy 1.4 ships no types)
                distance_miles=round(candidate.distance, 1),
                phone=phone,
                hours_today=describe_day(rules, local_now.date()),
                open_now=open_at(rules, local_now) if rules else None,
                flags=tuple(flags),
                verified_on=verified.get(candidate.service_id),
                call_ahead=bool(stale_before and verified.get(candidate.service_id)
                                and verified[candidate.service_id] < stale_before),
                reported_closed=(candidate.service_id, candidate.location_id) in flagged,
            )
        )
    return matches
