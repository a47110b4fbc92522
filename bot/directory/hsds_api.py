"""The directory as HSDS 3.0 API records (`hub directory serve`, bot/hsds_server.py):
`GET /services` pages and `GET /services/{id}`, in the paging envelope and record shapes of
Open Referral's openapi.json and compiled schemas.

Public listing data only: the HSDS fields of the directory's own tables (every column the
official schema names, nothing the hotline adds: no search index, no reports of wrong listings,
no "reported closed" flag, no hub type, nothing about texters). A page's children are read in a
few queries for all its services at once, never one query per service.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time
from functools import cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import (
    Address,
    Attribute,
    CostOption,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from bot.directory.hsds import official_resources

HSDS_VERSION = "3.0"
OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"
MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50
_CHUNK = 500


@cache
def _fields(resource: str) -> dict[str, str]:
    """The official schema's fields of `resource`, with their types (read once: the descriptor is
    parsed on each official_resources() call, and a page has thousands of rows)."""
    return {spec["name"]: spec.get("type", "string") for spec in official_resources()[resource]["schema"]["fields"]}


_RESOURCE_OF = {Service: "service", Organization: "organization", Location: "location", Address: "address",
                ServiceAtLocation: "service_at_location", Phone: "phone", Schedule: "schedule", Language: "language",
                CostOption: "cost_option", Attribute: "attribute", TaxonomyTerm: "taxonomy_term", Taxonomy: "taxonomy"}


def _json_value(value: Any, kind: str) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds") + "Z"  # stored as naive UTC
    if isinstance(value, (date, time)):
        return value.isoformat()
    if kind in ("number", "integer") and isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None  # an extension "12a" is not the number the schema asks for: left out
        return int(number) if number.is_integer() else number
    if kind == "number" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _record(row) -> dict[str, Any]:
    """The HSDS fields of a mapped row; a field with no value is left out, as the schemas allow."""
    out = {}
    for name, kind in _fields(_RESOURCE_OF[type(row)]).items():
        value = getattr(row, name, None)
        if value is None:
            continue
        value = _json_value(value, kind)
        if value is not None:
            out[name] = value
    return out


def _by(session: Session, model, column: str, ids) -> dict[str, list]:
    """Rows of `model` whose `column` is one of `ids`, grouped by it, in id order."""
    grouped: dict[str, list] = defaultdict(list)
    ids = sorted({i for i in ids if i})
    attribute = getattr(model, column)
    for start in range(0, len(ids), _CHUNK):
        for row in session.scalars(select(model).where(attribute.in_(ids[start:start + _CHUNK])).order_by(model.id)):
            grouped[getattr(row, column)].append(row)
    return grouped


class _Children:
    """Everything nested under a page of services, read at once."""

    def __init__(self, session: Session, services: list[Service]) -> None:
        ids = [s.id for s in services]
        self.links = _by(session, ServiceAtLocation, "service_id", ids)
        location_ids = [link.location_id for links in self.links.values() for link in links]
        link_ids = [link.id for links in self.links.values() for link in links]
        self.locations = {row.id: row for rows in _by(session, Location, "id", location_ids).values() for row in rows}
        self.organizations = {row.id: row for rows in _by(session, Organization, "id", [s.organization_id for s in services]).values()
                              for row in rows}
        self.addresses = _by(session, Address, "location_id", location_ids)
        self.service_phones = _by(session, Phone, "service_id", ids)
        self.location_phones = _by(session, Phone, "location_id", location_ids)
        self.link_phones = _by(session, Phone, "service_at_location_id", link_ids)
        self.service_schedules = _by(session, Schedule, "service_id", ids)
        self.location_schedules = _by(session, Schedule, "location_id", location_ids)
        self.link_schedules = _by(session, Schedule, "service_at_location_id", link_ids)
        self.service_languages = _by(session, Language, "service_id", ids)
        self.location_languages = _by(session, Language, "location_id", location_ids)
        self.cost_options = _by(session, CostOption, "service_id", ids)
        self.attributes = _by(session, Attribute, "link_id", ids + location_ids)
        term_ids = [a.taxonomy_term_id for rows in self.attributes.values() for a in rows]
        self.terms = {row.id: row for rows in _by(session, TaxonomyTerm, "id", term_ids).values() for row in rows}
        self.taxonomies = {row.id: row for rows in _by(session, Taxonomy, "id", [t.taxonomy_id for t in self.terms.values()]).values()
                           for row in rows}

    def attributes_of(self, owner_id: str, entity: str) -> list[dict]:
        out = []
        for attribute in self.attributes.get(owner_id, []):
            if attribute.link_entity != entity:
                continue
            record = _record(attribute)
            term = self.terms.get(attribute.taxonomy_term_id)
            if term is not None:
                nested = _record(term)
                taxonomy = self.taxonomies.get(term.taxonomy_id) if term.taxonomy_id else None
                if taxonomy is not None:
                    nested["taxonomy_detail"] = _record(taxonomy)
                record["taxonomy_term"] = nested
            out.append(record)
        return out

    def phones(self, rows: list[Phone]) -> list[dict]:
        return [_record(phone) for phone in rows]

    def location(self, location: Location) -> dict:
        record = _record(location)
        record["addresses"] = [_record(a) for a in self.addresses.get(location.id, [])]
        record["phones"] = self.phones(self.location_phones.get(location.id, []))
        record["schedules"] = [_record(s) for s in self.location_schedules.get(location.id, [])]
        record["languages"] = [_record(x) for x in self.location_languages.get(location.id, [])]
        record["attributes"] = self.attributes_of(location.id, "location")
        return record

    def full(self, service: Service) -> dict:
        record = _record(service)
        organization = self.organizations.get(service.organization_id)
        if organization is not None:
            record["organization"] = _record(organization)
        record["phones"] = self.phones(self.service_phones.get(service.id, []))
        record["schedules"] = [_record(s) for s in self.service_schedules.get(service.id, [])]
        record["languages"] = [_record(x) for x in self.service_languages.get(service.id, [])]
        record["cost_options"] = [_record(c) for c in self.cost_options.get(service.id, [])]
        record["attributes"] = self.attributes_of(service.id, "service")
        links = []
        for link in self.links.get(service.id, []):
            nested = _record(link)
            nested["phones"] = self.phones(self.link_phones.get(link.id, []))
            nested["schedules"] = [_record(s) for s in self.link_schedules.get(link.id, [])]
            location = self.locations.get(link.location_id)
            if location is not None:
                nested["location"] = self.location(location)
            links.append(nested)
        record["service_at_locations"] = links
        return record


def per_page_of(text: str | None) -> int:
    """?per_page, bounded: a client asking for everything at once gets MAX_PER_PAGE."""
    try:
        value = int(text) if text else DEFAULT_PER_PAGE
    except ValueError:
        raise ValueError("per_page must be a whole number") from None
    if value < 1:
        raise ValueError("per_page must be at least 1")
    return min(value, MAX_PER_PAGE)


def services_page(session: Session, page: int = 1, per_page: int = DEFAULT_PER_PAGE, full: bool = False) -> dict:
    """One page of services, in id order, in HSDS's paging envelope."""
    if page < 1:
        raise ValueError("page must be at least 1")
    total = session.scalar(select(func.count()).select_from(Service)) or 0
    services = list(session.scalars(select(Service).order_by(Service.id).offset((page - 1) * per_page).limit(per_page)))
    if full:
        children = _Children(session, services)
        contents = [children.full(service) for service in services]
    else:
        contents = [_record(service) for service in services]
    total_pages = max(1, -(-total // per_page))
    return {"total_items": total, "total_pages": total_pages, "page_number": page, "size": len(contents),
            "first_page": page == 1, "last_page": page >= total_pages, "empty": not contents, "contents": contents}


def service_record(session: Session, service_id: str) -> dict | None:
    service = session.get(Service, service_id)
    if service is None:
        return None
    return _Children(session, [service]).full(service)


def api_root() -> dict:
    return {"version": HSDS_VERSION, "openapi_url": OPENAPI_URL}
