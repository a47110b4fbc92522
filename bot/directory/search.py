"""Nearest-first search of active services of one type, with today's hours."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from bot.db.models import Address, Attribute, Location, Phone, Schedule, Service, ServiceAtLocation, TaxonomyTerm
from bot.directory.geo import Place, bounding_box, lookup_zip, miles_between
from bot.directory.hours import OpeningRule, describe_day, open_at
from bot.directory.taxonomy import SERVICE_TYPES

# When nothing is within the radius, the search widens step by step and says how far it went.
WIDENING_MILES = (100.0, 250.0, 500.0)


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


@dataclass(frozen=True)
class SearchResult:
    service_type: str
    origin: Place
    requested_radius_miles: float
    radius_miles: float
    widened: bool
    matches: list[ServiceMatch]
    total: int


def _rule(schedule: Schedule) -> OpeningRule:
    return OpeningRule(
        opens_at=schedule.opens_at,
        closes_at=schedule.closes_at,
        freq=schedule.freq,
        interval=schedule.interval or 1,
        byday=schedule.byday,
        bymonthday=schedule.bymonthday,
        dtstart=schedule.dtstart,
        valid_from=schedule.valid_from,
        valid_to=schedule.valid_to,
        until=schedule.until,
        count=schedule.count,
        wkst=schedule.wkst,
    )


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "America/Los_Angeles")
    except ZoneInfoNotFoundError:
        return ZoneInfo("America/Los_Angeles")


def _candidates(session: Session, code: str, origin: Place, miles: float | None):
    query = (
        select(Service.id, Service.name, Location.id, Location.latitude, Location.longitude)
        .join(ServiceAtLocation, ServiceAtLocation.service_id == Service.id)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .join(Attribute, and_(Attribute.link_id == Service.id, Attribute.link_entity == "service"))
        .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
        .where(Service.status == "active", TaxonomyTerm.hub_code == code)
        .where(Location.latitude.is_not(None), Location.longitude.is_not(None))
        .distinct()
    )
    if miles is not None:
        min_lat, max_lat, min_lon, max_lon = bounding_box(origin.latitude, origin.longitude, miles)
        query = query.where(Location.latitude.between(min_lat, max_lat), Location.longitude.between(min_lon, max_lon))
    found = []
    for service_id, name, location_id, lat, lon in session.execute(query):
        distance = miles_between(origin.latitude, origin.longitude, lat, lon)
        if miles is None or distance <= miles:
            found.append((distance, name, service_id, location_id))
    found.sort()
    return found


def find_services(
    session: Session,
    code: str,
    origin: Place,
    *,
    limit: int = 3,
    offset: int = 0,
    radius_miles: float = 50.0,
    now: datetime | None = None,
) -> SearchResult:
    """Active services of type `code` nearest to `origin`, within `radius_miles` or, when there is
    none, within the first widening step that finds some."""
    if code not in SERVICE_TYPES:
        raise UnknownServiceType(code)
    now = now or datetime.now(timezone.utc)
    radius, widened = radius_miles, False
    found = _candidates(session, code, origin, radius)
    for step in WIDENING_MILES:
        if found or step <= radius_miles:
            continue
        radius, widened = step, True
        found = _candidates(session, code, origin, step)
    page = found[offset : offset + limit]
    return SearchResult(
        service_type=code,
        origin=origin,
        requested_radius_miles=radius_miles,
        radius_miles=radius,
        widened=widened,
        matches=_details(session, page, origin, now),
        total=len(found),
    )


def _details(session: Session, page, origin: Place, now: datetime) -> list[ServiceMatch]:
    if not page:
        return []
    service_ids = {service_id for _, _, service_id, _ in page}
    location_ids = {location_id for _, _, _, location_id in page}
    addresses = {}
    for address in session.scalars(select(Address).where(Address.location_id.in_(location_ids)).order_by(Address.address_type != "physical", Address.id)):
        addresses.setdefault(address.location_id, address)
    phones: dict[str, list[Phone]] = defaultdict(list)
    for phone in session.scalars(select(Phone).where(Phone.service_id.in_(service_ids)).order_by(Phone.id)):
        phones[phone.service_id].append(phone)
    schedules: dict[str, list[Schedule]] = defaultdict(list)
    for schedule in session.scalars(select(Schedule).where(Schedule.service_id.in_(service_ids))):
        schedules[schedule.service_id].append(schedule)

    matches = []
    for distance, name, service_id, location_id in page:
        address = addresses.get(location_id)
        place = lookup_zip(address.postal_code) if address else None
        local_now = now.astimezone(_zone(place.timezone if place else origin.timezone)).replace(tzinfo=None)
        rules = [
            _rule(s) for s in schedules[service_id] if s.location_id in (None, location_id)
        ]
        phone = next((p for p in phones[service_id] if p.location_id in (None, location_id)), None)
        matches.append(
            ServiceMatch(
                service_id=service_id,
                location_id=location_id,
                name=name,
                street=address.address_1 if address else None,
                city=address.city if address else None,
                postal_code=address.postal_code if address else None,
                distance_miles=round(distance, 1),
                phone=phone.number if phone else None,
                hours_today=describe_day(rules, local_now.date()),
                open_now=open_at(rules, local_now) if rules else None,
            )
        )
    return matches
