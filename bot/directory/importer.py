"""Import a validated HSDS package into the directory tables, in the caller's transaction.

Rows are matched on their HSDS id, so importing the same package again updates in place.
Child rows (addresses, phones, schedules, languages, cost options, type attributes,
service-at-location links) of the services and locations in the package are replaced by the
package's own: a schedule dropped from the package stops showing hours.

Writes go through bulk Core statements: a national directory is hundreds of thousands of rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import and_, bindparam, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.config import get_settings
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
    ServicePoint,
    Taxonomy,
    TaxonomyTerm,
)
from bot.directory.geo import lookup_zip, time_zone_at
from bot.directory.hours import InvalidSchedule, parse_byday, parse_bymonthday
from bot.directory.hsds import HsdsValidationError, Package, ValidationIssue
from bot.directory.publisher_values import Tidied, localize_timestamps, tidy_values
from bot.directory.taxonomy import hub_code_for

# Parents before children, so that foreign keys hold at every statement.
TABLES = [
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
    ("language", Language),
    ("cost_option", CostOption),
]
# Child tables replaced as a whole for the parents in the package: (name, model, [(column, parent)]).
_CHILDREN = [
    ("address", Address, [("location_id", "location")]),
    ("service_at_location", ServiceAtLocation, [("service_id", "service")]),
    ("phone", Phone, [("service_id", "service"), ("location_id", "location")]),
    ("schedule", Schedule, [("service_id", "service"), ("location_id", "location")]),
    ("attribute", Attribute, [("link_id", "service")]),
    ("language", Language, [("service_id", "service"), ("location_id", "location")]),
    ("cost_option", CostOption, [("service_id", "service")]),
]
_INT_COLUMNS = {"interval", "count"}
# The country of an address in the US, its territories included (HSDS: ISO 3166-1 alpha-2).
_US_COUNTRIES = {"US", "PR", "VI", "GU", "AS", "MP", "UM"}
_CHUNK = 500


@dataclass
class ImportSummary:
    inserted: dict[str, int] = field(default_factory=dict)
    # Ids that existed before this import, by table: only these can have stale child rows.
    updated_ids: dict[str, set] = field(default_factory=dict, repr=False)
    updated: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    typed_services: int = 0
    untyped_services: list[str] = field(default_factory=list)
    # The package's warnings (bot/directory/hsds.py): rows skipped {file: {reason: rows}}, and each
    # warning with its file, row and field.
    skipped: dict[str, dict[str, int]] = field(default_factory=dict)
    warnings: list[ValidationIssue] = field(default_factory=list)
    # Values made usable (bot/directory/publisher_values.py) and places kept but never offered by ZIP.
    tidied: Tidied = field(default_factory=Tidied)
    outside_us: int = 0
    # A feed's refresh (import_package's `feed`): services it no longer lists, made inactive, and
    # services it lists again after they were.
    made_inactive: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    feed_services_before: int = 0  # the feed's active services before this refresh

    def skipped_lines(self) -> list[str]:
        total = sum(sum(reasons.values()) for reasons in self.skipped.values())
        if not total:
            return []
        links_only = all("matches no id" in reason for reasons in self.skipped.values() for reason in reasons)
        out = [f"rows skipped: {total}" + (" (a required link points nowhere)" if links_only else "")]
        for file, reasons in self.skipped.items():
            out.extend(f"  {file}: {rows} (its {reason})" for reason, rows in reasons.items())
        return out

    def tidied_lines(self) -> list[str]:
        out = []
        if self.tidied.html_fields:
            out.append(f"fields of HTML made plain text: {self.tidied.html_fields}")
        if self.tidied.ages_none:
            out.append(f"ages below zero read as no limit: {self.tidied.ages_none}")
        if self.tidied.phones_with_words:
            out.append(f"phone numbers with words, the words set apart: {self.tidied.phones_with_words}")
        for zone, count in sorted(self.tidied.timestamps_zoned.items()):
            out.append(f"timestamps without a zone read in {zone}: {count}")
        if self.outside_us:
            out.append(f"locations outside the US (kept, never offered by ZIP): {self.outside_us}")
        return out

    def lines(self) -> list[str]:
        out = []
        for name, _ in TABLES:
            ins, upd, rem = self.inserted.get(name, 0), self.updated.get(name, 0), self.removed.get(name, 0)
            if ins or upd or rem:
                out.append(f"{name}: {ins} new, {upd} updated" + (f", {rem} removed" if rem else ""))
        out.append(f"services with a hotline type: {self.typed_services}")
        if self.untyped_services:
            out.append(f"services with no hotline type (never offered by the bot): {len(self.untyped_services)}")
        if self.made_inactive:
            out.append(f"services the feed no longer lists, made inactive (kept): {len(self.made_inactive)}")
        if self.restored:
            out.append(f"services the feed lists again, restored: {len(self.restored)}")
        out.extend(self.tidied_lines())
        out.extend(self.skipped_lines())
        if self.warnings:
            out.append(f"warnings: {len(self.warnings)} (each names its file, row and field; the rest was imported)")
        return out


def _chunks(items: list, size: int = _CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _db_value(name: str, value):
    if value is None:
        return None
    if name in _INT_COLUMNS:
        return int(value)
    if name == "extension":
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)  # stored as naive UTC
    return value


def _records(model, rows: list[dict]) -> list[dict]:
    """Rows as dicts of the model's columns, every dict with the same keys (for executemany)."""
    columns = [column.name for column in model.__table__.columns]
    return [{name: _db_value(name, row.get(name)) for name in columns} for row in rows]


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
                issues.append(table.issue(number, name, str(exc)))
        if row.get("valid_from") and row.get("valid_to") and row["valid_to"] < row["valid_from"]:
            issues.append(table.issue(number, "valid_to", f"{row['valid_to']} is before valid_from {row['valid_from']}"))
        if (row.get("opens_at") is None) != (row.get("closes_at") is None):
            missing = "closes_at" if row.get("opens_at") else "opens_at"
            issues.append(table.issue(number, missing, "opens_at and closes_at go together"))
    if issues:
        raise HsdsValidationError(issues)


def _locate(package: Package) -> int:
    """Coordinates and time zone for every location: missing coordinates come from the address's
    ZIP, so that the location can be found; the zone from the ZIP or the coordinates. A location
    whose address is in another country is marked outside the US, and its postal code is never
    read as a ZIP. Returns how many are."""
    postal_by_location: dict[str, str] = {}
    abroad: set[str] = set()
    for row in package.rows("address"):
        if not row.get("location_id"):
            continue
        if (row.get("country") or "US").strip().upper() not in _US_COUNTRIES:
            abroad.add(row["location_id"])
        elif row.get("postal_code"):
            postal_by_location.setdefault(row["location_id"], row["postal_code"])
    for row in package.rows("location"):
        row["outside_us"] = row["id"] in abroad
        postal = None if row["outside_us"] else postal_by_location.get(row["id"])
        if postal and (row.get("latitude") is None or row.get("longitude") is None):
            place = lookup_zip(postal or "")
            if place:
                row["latitude"], row["longitude"] = place.latitude, place.longitude
        row["time_zone"] = time_zone_at(postal, row.get("latitude"), row.get("longitude"))
    return len(abroad & {row["id"] for row in package.rows("location")})


def _date_of(value) -> date | None:
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).date()
    return value


def _verify_dates(package: Package) -> None:
    """Each service's last-verified date: the latest of its last_modified, its assured_date and
    the metadata rows about it (HSDS keeps a change log there)."""
    logged: dict[str, date] = {}
    for row in package.rows("metadata"):
        if row.get("resource_type") == "service" and row.get("last_action_date"):
            previous = logged.get(row["resource_id"])
            logged[row["resource_id"]] = max(previous, row["last_action_date"]) if previous else row["last_action_date"]
    for row in package.rows("service"):
        dates = [d for d in (_date_of(row.get("last_modified")), row.get("assured_date"), logged.get(row["id"])) if d]
        row["verified_on"] = max(dates) if dates else None


def import_package(session: Session, package: Package, progress=None, fallback_zone: str | None = None,
                   feed: str | None = None) -> ImportSummary:
    """`progress(table, rows)` is called as each table is written (the CLI shows a bar).
    `fallback_zone`: the zone of a timestamp that nothing in the package places (default
    HUB_DIRECTORY_TIMEZONE). `feed`: the package is everything the HSDS API feed at that address
    lists (bot/directory/feed.py): its services record the feed, and the feed's services it no
    longer lists are made inactive, never deleted. A package import removes no service."""
    tidied = tidy_values(package)
    _check_schedules(package)
    outside_us = _locate(package)
    localize_timestamps(package, fallback_zone or get_settings().directory_timezone, tidied)
    _verify_dates(package)
    for row in package.rows("taxonomy_term"):
        row["hub_code"] = hub_code_for(row.get("code"), row.get("name"))

    summary = ImportSummary(skipped=package.skipped, warnings=package.warnings, tidied=tidied, outside_us=outside_us)
    if feed is not None:
        _from_feed(session, package, feed, summary)
    for name, model in TABLES:
        rows = package.rows(name)
        if rows:
            _upsert(session, name, model, rows, summary, progress, keep=() if feed is not None else _FEED_COLUMNS)
    if feed is not None:
        _make_missing_inactive(session, package, feed, summary)
    _remove_dropped_children(session, package, summary)
    rebuild_search_index(session)
    _analyze(session)

    typed_terms = set(session.scalars(select(TaxonomyTerm.id).where(TaxonomyTerm.hub_code.is_not(None))))
    typed = {row["link_id"] for row in package.rows("attribute") if row["taxonomy_term_id"] in typed_terms}
    summary.typed_services = len(typed)
    summary.untyped_services = [row["id"] for row in package.rows("service") if row["id"] not in typed]
    return summary


def rebuild_search_index(session: Session) -> None:
    """Recompute service_point from the directory tables, in the import's transaction."""
    session.execute(delete(ServicePoint))
    points = (
        select(Service.id, Location.id, TaxonomyTerm.hub_code, Service.name, Location.latitude, Location.longitude, Location.time_zone)
        .join(ServiceAtLocation, ServiceAtLocation.service_id == Service.id)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .join(Attribute, and_(Attribute.link_id == Service.id, Attribute.link_entity == "service"))
        .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
        .where(Service.status == "active", TaxonomyTerm.hub_code.is_not(None))
        .where(Location.latitude.is_not(None), Location.longitude.is_not(None))
        .where(Location.outside_us.is_(False))
        .distinct()
    )
    columns = ["service_id", "location_id", "hub_code", "name", "latitude", "longitude", "time_zone"]
    session.execute(insert(ServicePoint).from_select(columns, points))


def _analyze(session: Session) -> None:
    """Fresh planner statistics for the tables just written, on PostgreSQL. Without them it guesses
    about 100 schedules a service and, for 16 ids, reads every schedule instead of the index
    (bench/RESULTS.md, issue 32); autovacuum analyzes only a minute or more after the commit, or
    never where it is off. Inside the import's transaction: the statistics come with its commit.
    SQLite's planner does well without them, and keeps its plans."""
    if session.get_bind().dialect.name != "postgresql":
        return
    tables = [model.__table__.name for _, model in TABLES] + [ServicePoint.__table__.name]  # type: ignore[attr-defined]  # mapped classes (SQLAlchemy 1.4 ships no types)
    session.execute(text(f"ANALYZE {', '.join(tables)}"))


# What only a feed's refresh writes: a package import leaves them as they are.
_FEED_COLUMNS = ("feed", "missing_since")


def _from_feed(session: Session, package: Package, feed: str, summary: ImportSummary) -> None:
    listed = {row["id"] for row in package.rows("service")}
    for row in package.rows("service"):
        row["feed"], row["missing_since"] = feed, None
    summary.feed_services_before = session.scalar(
        select(func.count()).select_from(Service).where(Service.feed == feed, Service.status == "active")) or 0
    summary.restored = sorted(service_id for service_id in session.scalars(
        select(Service.id).where(Service.feed == feed, Service.missing_since.is_not(None))) if service_id in listed)


def _make_missing_inactive(session: Session, package: Package, feed: str, summary: ImportSummary) -> None:
    """The feed's services it no longer lists: inactive from now, kept (a reappearance restores them)."""
    listed = {row["id"] for row in package.rows("service")}
    missing = [service_id for service_id in session.scalars(
        select(Service.id).where(Service.feed == feed, Service.missing_since.is_(None))) if service_id not in listed]
    now = utcnow()
    for chunk in _chunks(missing):
        session.execute(update(Service).where(Service.id.in_(chunk)).values(status="inactive", missing_since=now))
    summary.made_inactive = missing


def _upsert(session: Session, name: str, model, rows: list[dict], summary: ImportSummary, progress=None,
            keep: tuple[str, ...] = ()) -> None:
    """Insert the new rows and update the others, every column but `keep`."""
    table = model.__table__
    existing: set[str] = set()
    for chunk in _chunks([row["id"] for row in rows]):
        existing.update(session.scalars(select(table.c.id).where(table.c.id.in_(chunk))))
    records = _records(model, rows)
    inserts = [record for record in records if record["id"] not in existing]
    updates = [{f"new_{key}": value for key, value in record.items() if key not in keep}
               for record in records if record["id"] in existing]
    columns = [column.name for column in table.columns if column.name != "id" and column.name not in keep]
    statement = (
        update(table)
        .where(table.c.id == bindparam("new_id"))
        .values({column: bindparam(f"new_{column}") for column in columns})
    )
    # Written in chunks so that a large package shows its progress as it goes.
    for chunk in _chunks(inserts, 5000):
        session.execute(insert(table), chunk)
        if progress:
            progress(name, len(chunk))
    for chunk in _chunks(updates, 5000):
        session.execute(statement, chunk)
        if progress:
            progress(name, len(chunk))
    summary.inserted[name] = len(inserts)
    summary.updated[name] = len(updates)
    summary.updated_ids[name] = existing


def _remove_dropped_children(session: Session, package: Package, summary: ImportSummary) -> None:
    for name, model, parents in _CHILDREN:
        keep = {row["id"] for row in package.rows(name)}
        table = model.__table__  # type: ignore[attr-defined]  # _CHILDREN holds mapped classes (SQLAlchemy 1.4 ships no types)
        stale: set[str] = set()
        for column, parent in parents:
            # A parent new in this import has only the package's own children.
            parent_ids = sorted(summary.updated_ids.get(parent, ()))
            for chunk in _chunks(parent_ids):
                stale.update(
                    row_id
                    for row_id in session.scalars(select(table.c.id).where(table.c[column].in_(chunk)))
                    if row_id not in keep
                )
        for chunk in _chunks(sorted(stale)):
            session.execute(delete(table).where(table.c.id.in_(chunk)))
        if stale:
            summary.removed[name] = len(stale)
