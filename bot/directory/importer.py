"""Import a validated HSDS package into the directory tables, in the caller's transaction.

Rows are matched on their HSDS id, so importing the same package again updates in place.
Child rows (addresses, phones, schedules, type attributes, service-at-location links) of the
services and locations in the package are replaced by the package's own: a schedule dropped from
the package stops showing hours.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.db.models import (
    Address,
    Attribute,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from bot.directory.geo import lookup_zip
from bot.directory.hours import InvalidSchedule, parse_byday, parse_bymonthday
from bot.directory.hsds import HsdsValidationError, Package, ValidationIssue
from bot.directory.taxonomy import hub_code_for

# Parents before children, so that foreign keys hold at every flush.
_TABLES = [
    ("organization", Organization),
    ("taxonomy", Taxonomy),
    ("taxonomy_term", TaxonomyTerm),
    ("service", Service),
    ("location", Location),
    ("address", Address),
    ("service_at_location", ServiceAtLocation),
    ("phone", Phone),
    ("schedule", Schedule),
    ("attribute", Attribute),
]
_INT_COLUMNS = {"interval", "count"}
_TEXT_FROM_NUMBER = {"extension"}


@dataclass
class ImportSummary:
    inserted: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    typed_services: int = 0
    untyped_services: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = []
        for name, _ in _TABLES:
            ins, upd, rem = self.inserted.get(name, 0), self.updated.get(name, 0), self.removed.get(name, 0)
            if ins or upd or rem:
                out.append(f"{name}: {ins} new, {upd} updated" + (f", {rem} removed" if rem else ""))
        out.append(f"services with a hotline type: {self.typed_services}")
        if self.untyped_services:
            out.append(f"services with no hotline type (never offered by the bot): {len(self.untyped_services)}")
        return out


def _column_values(model, row: dict) -> dict:
    columns = {column.name for column in model.__table__.columns}
    values = {}
    for name, value in row.items():
        if name not in columns:
            continue
        if name in _INT_COLUMNS and value is not None:
            value = int(value)
        elif name in _TEXT_FROM_NUMBER and value is not None:
            value = str(int(value)) if float(value).is_integer() else str(value)
        elif isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)  # stored as naive UTC
        values[name] = value
    return values


def _check_schedules(package: Package) -> None:
    table = package.tables.get("schedule")
    if not table:
        return
    issues = []
    for row, number in zip(table.rows, table.row_numbers):
        for name, parse in (("byday", parse_byday), ("bymonthday", parse_bymonthday)):
            try:
                parse(row.get(name))
            except InvalidSchedule as exc:
                issues.append(ValidationIssue(table.file, number, name, str(exc)))
        if (row.get("opens_at") is None) != (row.get("closes_at") is None):
            issues.append(ValidationIssue(table.file, number, "closes_at" if row.get("opens_at") else "opens_at", "opens_at and closes_at go together"))
    if issues:
        raise HsdsValidationError(issues)


def _geocode_missing(package: Package) -> None:
    """Locations without coordinates take those of their address's ZIP, so that they can be found."""
    postal_by_location = {}
    for row in package.rows("address"):
        if row.get("location_id") and row.get("postal_code"):
            postal_by_location.setdefault(row["location_id"], row["postal_code"])
    for row in package.rows("location"):
        if row.get("latitude") is None or row.get("longitude") is None:
            place = lookup_zip(postal_by_location.get(row["id"], ""))
            if place:
                row["latitude"], row["longitude"] = place.latitude, place.longitude


def import_package(session: Session, package: Package) -> ImportSummary:
    _check_schedules(package)
    _geocode_missing(package)
    for row in package.rows("taxonomy_term"):
        row["hub_code"] = hub_code_for(row.get("code"), row.get("name"))

    summary = ImportSummary()
    for name, model in _TABLES:
        rows = package.rows(name)
        if not rows:
            continue
        ids = [row["id"] for row in rows]
        existing = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            existing.update({obj.id: obj for obj in session.scalars(select(model).where(model.id.in_(chunk)))})
        for row in rows:
            values = _column_values(model, row)
            current = existing.get(row["id"])
            if current is None:
                session.add(model(**values))
                summary.inserted[name] = summary.inserted.get(name, 0) + 1
            else:
                for key, value in values.items():
                    setattr(current, key, value)
                summary.updated[name] = summary.updated.get(name, 0) + 1
        session.flush()

    _remove_dropped_children(session, package, summary)

    typed_terms = {row["id"] for row in package.rows("taxonomy_term") if row.get("hub_code")}
    typed_terms |= set(session.scalars(select(TaxonomyTerm.id).where(TaxonomyTerm.hub_code.is_not(None))))
    typed = {row["link_id"] for row in package.rows("attribute") if row["taxonomy_term_id"] in typed_terms}
    summary.typed_services = len(typed)
    summary.untyped_services = [row["id"] for row in package.rows("service") if row["id"] not in typed]
    return summary


def _remove_dropped_children(session: Session, package: Package, summary: ImportSummary) -> None:
    service_ids = [row["id"] for row in package.rows("service")]
    location_ids = [row["id"] for row in package.rows("location")]
    children = [
        ("address", Address, [(Address.location_id, location_ids)]),
        ("service_at_location", ServiceAtLocation, [(ServiceAtLocation.service_id, service_ids)]),
        ("phone", Phone, [(Phone.service_id, service_ids), (Phone.location_id, location_ids)]),
        ("schedule", Schedule, [(Schedule.service_id, service_ids), (Schedule.location_id, location_ids)]),
        ("attribute", Attribute, [(Attribute.link_id, service_ids)]),
    ]
    for name, model, parents in children:
        keep = {row["id"] for row in package.rows(name)}
        for column, parent_ids in parents:
            for start in range(0, len(parent_ids), 500):
                chunk = parent_ids[start : start + 500]
                stale = [
                    row_id
                    for row_id in session.scalars(select(model.id).where(column.in_(chunk)))
                    if row_id not in keep
                ]
                if stale:
                    session.execute(delete(model).where(model.id.in_(stale)).execution_options(synchronize_session=False))
                    summary.removed[name] = summary.removed.get(name, 0) + len(stale)
    session.flush()
