"""HSDS 3.0 API records (a feed's `GET /services?full=true`, or `GET /services/{id}`) as the rows of
a tabular package, so that a feed is checked and imported exactly as a package is (bot/directory/hsds.py).

A full service record nests its organization, its locations through service_at_locations, and
their phones, schedules, addresses, languages and attributes. Each nested object becomes a row of
its own resource, linked to the object it was found in by that resource's foreign key (a phone
under a location gets its location_id), and the same id found in several places (a phone listed
on the service and on its location) is one row with every link it was given. A field HSDS 3.0 does
not name (3.1's capacities, additional_urls, attribute.label) is reported, with where it was
found, and set aside.
"""
from __future__ import annotations

from typing import Any

from bot.directory.hsds import RecordRow, ValidationIssue, official_resources

# A nested field → the resource its objects are rows of (lists and single objects alike).
NESTED = {
    "organization": "organization", "program": "program", "programs": "program",
    "service_at_locations": "service_at_location", "location": "location", "locations": "location",
    "phones": "phone", "schedules": "schedule", "addresses": "address", "languages": "language",
    "contacts": "contact", "accessibility": "accessibility", "funding": "funding",
    "service_areas": "service_area", "required_documents": "required_document",
    "cost_options": "cost_option", "organization_identifiers": "organization_identifier",
    "attributes": "attribute", "taxonomy_term": "taxonomy_term", "taxonomy_detail": "taxonomy",
    "metadata": "metadata", "service": "service", "services": "service",
}
# Links HSDS writes as an (id, kind) pair rather than as a foreign key: a row of these resources
# belongs to whatever object it is nested in.
_ANY_PARENT = {"attribute": ("link_id", "link_entity"), "metadata": ("resource_id", "resource_type")}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class _Schema:
    """Each resource's columns, and its foreign keys by the resource they point to."""

    def __init__(self) -> None:
        resources = official_resources()
        self.columns = {name: {spec["name"] for spec in resource["schema"]["fields"]} for name, resource in resources.items()}
        self.links = {name: {key["reference"]["resource"]: key["fields"] for key in resource["schema"].get("foreignKeys", [])}
                      for name, resource in resources.items()}


class _Flattener:
    """One page's records into the feed's rows (RecordRows), whose state it adds to."""

    def __init__(self, page: str, feed: RecordRows) -> None:
        self.page = page
        self.columns, self.links = feed.schema.columns, feed.schema.links
        self.rows, self._by_id, self.warnings = feed.rows, feed.by_id, feed.warnings
        self._told = feed.told

    def add(self, resource: str, record: dict, item: int, path: str, parent: tuple[str, str] | None) -> str | None:
        cells: dict[str, str] = {}
        children: list[tuple[str, Any, str]] = []
        for key, value in record.items():
            if key in NESTED and isinstance(value, (dict, list)):
                children.append((key, value, f"{path}.{key}" if path else key))
            elif key in self.columns[resource] and not isinstance(value, (dict, list)):
                cells[key] = _cell(value)
            elif (resource, key) not in self._told:
                self._told.add((resource, key))
                self.warnings.append(ValidationIssue(self.page, item, f"{path}.{key}" if path else key,
                                                     f"is not an HSDS 3.0 field of '{resource}'; set aside (not imported)"))
        if parent is not None:
            parent_resource, parent_id = parent
            if resource in _ANY_PARENT:
                link, kind = _ANY_PARENT[resource]
                cells.setdefault(link, parent_id)
                if resource == "attribute" or not cells.get(kind):
                    # An attribute belongs to what it is nested in, whatever its link_entity says.
                    cells[kind] = parent_resource
            elif parent_resource in self.links[resource]:
                cells.setdefault(self.links[resource][parent_resource], parent_id)
        row_id = cells.get("id") or None
        for key, value, child_path in children:
            child = NESTED[key]
            objects = value if isinstance(value, list) else [value]
            for position, obj in enumerate(objects):
                if not isinstance(obj, dict):
                    self.warnings.append(ValidationIssue(self.page, item, child_path, "is not an object; set aside"))
                    continue
                where = f"{child_path}[{position}]" if isinstance(value, list) else child_path
                child_id = self.add(child, obj, item, where, (resource, row_id) if row_id else None)
                # A single object the parent points to (a service's organization, a link's location).
                column = self.links[resource].get(child)
                if isinstance(value, dict) and column and child_id:
                    cells.setdefault(column, child_id)
        return self._keep(resource, cells, item, path)

    def _keep(self, resource: str, cells: dict[str, str], item: int, path: str) -> str | None:
        row_id = cells.get("id") or None
        seen = self._by_id.get((resource, row_id)) if row_id else None
        if seen is not None:
            for key, value in cells.items():  # the links it has from here, too
                if value and not seen.cells.get(key):
                    seen.cells[key] = value
            return row_id
        row = RecordRow(cells=cells, page=self.page, item=item, path=path)
        self.rows.setdefault(resource, []).append(row)
        if row_id:
            self._by_id[(resource, row_id)] = row
        return row_id


class RecordRows:
    """The rows of every service record read so far, across pages: an id found again (the same
    organization on every page) is one row."""

    def __init__(self) -> None:
        self.rows: dict[str, list[RecordRow]] = {}
        self.warnings: list[ValidationIssue] = []
        self.by_id: dict[tuple[str, str], RecordRow] = {}  # one row per id across pages
        self.told: set[tuple[str, str]] = set()  # (resource, field) set aside: said once per feed
        self.schema = _Schema()

    def add_services(self, page: str, records: list[dict]) -> None:
        flattener = _Flattener(page, self)
        for item, record in enumerate(records, start=1):
            if not isinstance(record, dict):
                self.warnings.append(ValidationIssue(page, item, None, "is not a service record (an object); set aside"))
                continue
            flattener.add("service", record, item, "", None)
