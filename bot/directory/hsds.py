"""Open Referral HSDS 3.0 tabular data packages: validation against the official descriptor.

Errors name the file, the row (numbered as in a spreadsheet: the header is row 1) and the field,
so that an operator can open the CSV and fix it. Validation reads everything before anything is
written; the importer writes only a package that has no error at all.

What publishers actually send is accepted with warnings (file, row and field too), never refused:
a reference that points nowhere (the row is skipped when the link is a required one, the link is
dropped otherwise), and a table or column HSDS 3.0 does not name (a newer HSDS, a profile, an
extension: reported and set aside). An HSDS 1.x package is refused with one message that says so.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

OFFICIAL_DESCRIPTOR = Path(__file__).with_name("hsds_datapackage.json")
MAX_ERRORS = 50
CHANGELOG = "https://docs.openreferral.org/en/latest/hsds/changelog.html"

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TIME = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:?\d{2})?$")


@dataclass(frozen=True)
class ValidationIssue:
    file: str
    row: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"


class HsdsValidationError(ValueError):
    """`issues` refuse the package; `warnings` (unknown columns, links that point nowhere) would
    not have, and are listed after them: an unknown column is often a misspelt required one."""

    def __init__(self, issues: list[ValidationIssue], warnings: list[ValidationIssue] | None = None):
        self.issues = issues
        self.warnings = list(warnings or [])
        super().__init__("\n".join(str(issue) for issue in [*issues, *self.warnings]))


@dataclass
class Table:
    """One validated resource: its rows with values converted to Python types (None when empty)."""

    name: str
    file: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    # Rows read from an API feed rather than a file: row number → (page, item on the page, the
    # record's path to this row's object), so that a warning says where in the feed to look.
    origins: dict[int, tuple[str, int, str]] = field(default_factory=dict)

    def issue(self, number: int, column: str | None, message: str) -> ValidationIssue:
        """A problem with a row (`number` as in row_numbers), named where its reader can find it."""
        if number in self.origins:
            where, item, path = self.origins[number]
            return ValidationIssue(where, item, f"{path}.{column}" if path and column else (column or path or None), message)
        return ValidationIssue(self.file, number, column, message)


@dataclass
class Package:
    path: Path | str  # the folder, or the feed's address
    tables: dict[str, Table]
    # Accepted with a warning: each names file, row and field (module docstring).
    warnings: list[ValidationIssue] = field(default_factory=list)
    # Rows left out because a required link points nowhere: {file: {reason: rows}}.
    skipped: dict[str, dict[str, int]] = field(default_factory=dict)

    def rows(self, resource: str) -> list[dict[str, Any]]:
        table = self.tables.get(resource)
        return table.rows if table else []


def official_resources() -> dict[str, dict]:
    descriptor = json.loads(OFFICIAL_DESCRIPTOR.read_text(encoding="utf-8"))
    return {resource["name"]: resource for resource in descriptor["resources"]}


def convert(value: str, spec: dict) -> Any:
    """Convert one CSV cell to its descriptor type; raise ValueError with a plain reason."""
    kind, fmt = spec.get("type", "string"), spec.get("format")
    if kind == "number":
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError(f"{value!r} is not a finite number")
        return number
    if kind == "integer":
        try:
            return int(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a whole number") from None
    if kind == "date":
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None
    if kind == "time":
        match = _TIME.match(value)
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59 or int(match.group(3) or 0) > 59:
            raise ValueError(f"{value!r} is not a time (HH:MM:SS)")
        return time(int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))
    if kind == "datetime":
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{value!r} is not a date and time (ISO 8601, e.g. 2026-10-01T12:00:00Z)") from None
    if fmt == "uuid" and not _UUID.match(value):
        raise ValueError(f"{value!r} is not a UUID")
    if fmt == "email" and not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an email address")
    if fmt == "uri":
        parsed = urlparse(value)
        if not parsed.scheme or not (parsed.netloc or parsed.path):
            raise ValueError(f"{value!r} is not a URI (e.g. https://example.org)")
    return value


def _decode(raw: bytes, file: str, issues: list[ValidationIssue]) -> str | None:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        issues.append(ValidationIssue(file, line, None, "is not valid UTF-8 text (save the file as UTF-8)"))
        return None


def _read_table(path: Path, file: str, resource: dict, issues: list[ValidationIssue],
                warnings: list[ValidationIssue]) -> Table | None:
    if not path.is_file():
        issues.append(ValidationIssue(file, None, None, "is listed in datapackage.json but the file is missing"))
        return None
    text = _decode(path.read_bytes(), file, issues)
    if text is None:
        return None
    specs = {spec["name"]: spec for spec in resource["schema"]["fields"]}
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        issues.append(ValidationIssue(file, 1, None, "is empty: the first row must name the columns"))
        return None
    except csv.Error as exc:
        issues.append(ValidationIssue(file, 1, None, f"cannot be read as CSV ({exc})"))
        return None
    header = [name.strip() for name in header]
    for column, name in enumerate(header, start=1):
        if name not in specs:
            warnings.append(ValidationIssue(file, 1, name, f"column {column} is not an HSDS 3.0 field of "
                                                           f"'{resource['name']}'; set aside (not imported)"))
    seen = set()
    for name in header:
        if name in seen:
            issues.append(ValidationIssue(file, 1, name, "appears twice in the header"))
        seen.add(name)
    for name, spec in specs.items():
        if spec.get("constraints", {}).get("required") and name not in header:
            issues.append(ValidationIssue(file, 1, name, "is a required column and is missing"))
    table = Table(name=resource["name"], file=file)
    checks = _column_checks(specs)
    row_number = 1
    try:
        for cells in reader:
            row_number = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                issues.append(ValidationIssue(file, row_number, None, f"has {len(cells)} cells but the header has {len(header)} columns"))
                continue
            table.rows.append(_convert_row(dict(zip(header, cells)), checks, file, row_number, issues))
            table.row_numbers.append(row_number)
    except csv.Error as exc:
        issues.append(ValidationIssue(file, row_number + 1, None, f"cannot be read as CSV ({exc})"))
    return table


def _column_checks(specs: dict) -> list[tuple[str, bool, object, tuple | None]]:
    """Per column: (name, required, converter or None for plain text, enum or None), built once
    per file rather than worked out again for every cell."""
    checks = []
    for name, spec in specs.items():
        constraints = spec.get("constraints", {})
        plain = spec.get("type", "string") == "string" and not spec.get("format")
        checks.append((name, bool(constraints.get("required")), None if plain else spec, tuple(constraints["enum"]) if "enum" in constraints else None))
    return checks


def _convert_row(cells: dict[str, str], checks: list, file: str, row: int, issues: list[ValidationIssue]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, required, spec, enum in checks:
        raw = cells.get(name)
        raw = raw.strip() if raw else ""
        if not raw:
            if required:
                issues.append(ValidationIssue(file, row, name, "is required and is empty"))
            values[name] = None
            continue
        if spec is None:
            value = raw
        else:
            try:
                value = convert(raw, spec)
            except ValueError as exc:
                issues.append(ValidationIssue(file, row, name, str(exc)))
                values[name] = None
                continue
        if enum is not None and value not in enum:
            issues.append(ValidationIssue(file, row, name, f"{raw!r} is not one of: {', '.join(enum)}"))
        values[name] = value
    return values


def _check_unique(table: Table, resource: dict, issues: list[ValidationIssue]) -> None:
    """Every field the descriptor marks `unique` (the id, and for example taxonomy_term.code):
    an empty cell is no value, so it never clashes."""
    for spec in resource["schema"]["fields"]:
        if not spec.get("constraints", {}).get("unique"):
            continue
        name = spec["name"]
        first: dict = {}
        for row, number in zip(table.rows, table.row_numbers):
            value = row.get(name)
            if value is None:
                continue
            if value in first:
                issues.append(table.issue(number, name, f"{value!r} is used by an earlier row (row {first[value]}); "
                                                                        f"{name} must be unique"))
            else:
                first[value] = number


def _check_keys(tables: dict[str, Table], resources: dict[str, dict], issues: list[ValidationIssue]) -> None:
    for name, table in tables.items():
        _check_unique(table, resources[name], issues)


def _links(resource: dict) -> list[tuple[str, str, bool]]:
    """(column, target resource, required) for each foreign key of the descriptor."""
    required = {spec["name"] for spec in resource["schema"]["fields"] if spec.get("constraints", {}).get("required")}
    return [(key["fields"], key["reference"]["resource"], key["fields"] in required)
            for key in resource["schema"].get("foreignKeys", [])]


def _resolve_links(package: Package, resources: dict[str, dict]) -> None:
    """A reference that points nowhere is a warning: the row is skipped when the link is required
    (a service_at_location without its service), the link dropped when it is optional (a location
    whose organization is not in the package keeps its data). A skipped row's children are then
    looked at again, until nothing changes. attribute.link_id points at the entity named in
    link_entity (for us, the service it types) and is required."""
    tables = package.tables
    gone: dict[str, dict[str, int]] = {}  # ids of skipped rows by resource: their row numbers
    changed = True
    while changed:
        changed = False
        ids = {name: {row["id"] for row in table.rows if row.get("id")} for name, table in tables.items()}
        for name, table in tables.items():
            links = _links(resources[name])
            if name == "attribute":
                links.append(("link_id", "", True))
            kept_rows, kept_numbers = [], []
            for row, number in zip(table.rows, table.row_numbers):
                skip = None
                for column, target, required in links:
                    if column == "link_id" and name == "attribute":
                        target = row.get("link_entity") or ""
                        if target not in ids:
                            continue
                    value = row.get(column)
                    if not value or value in ids.get(target, ()):
                        continue
                    target_file = resources[target]["path"]
                    if value in gone.get(target, {}):
                        why = f"{value!r} is the id of {target_file} row {gone[target][value]}, which was skipped"
                    else:
                        why = f"{value!r} matches no id in {target_file}"
                    if required:
                        skip = (column, why, f"{column} matches no id in {target_file}")
                        break
                    row[column] = None
                    package.warnings.append(table.issue(number, column, f"{why}; the link is left out, the row kept"))
                if skip is None:
                    kept_rows.append(row)
                    kept_numbers.append(number)
                    continue
                column, why, reason = skip
                changed = True
                package.warnings.append(table.issue(number, column, f"{why}; the row is skipped"))
                reasons = package.skipped.setdefault(table.file, {})
                reasons[reason] = reasons.get(reason, 0) + 1
                if row.get("id"):
                    gone.setdefault(name, {})[row["id"]] = number
            table.rows, table.row_numbers = kept_rows, kept_numbers


_VERSION = re.compile(r"\b(?:HSDS|Human Services Data Specification|version)\b[^0-9]{0,20}(\d+(?:\.\d+)*)", re.IGNORECASE)
# Resources and columns of HSDS 1.x (and 2.x) that 3.0 renamed or removed: (resource, column or None).
_OLD_MARKERS = [
    ("service", "taxonomy_ids"), ("phone", "language"), ("phone", "department"), ("organization", "url"),
    ("regular_schedule", None), ("holiday_schedule", None), ("physical_address", None), ("postal_address", None),
    ("service_taxonomy", None), ("eligibility", None), ("payment_accepted", None), ("services_at_location", None),
]


def _older_version(descriptor: dict, listed: list) -> str | None:
    """The HSDS version of a package older than 3.0, as the descriptor says it or as its tables
    and columns show; None for a 3.x package (or one that does not say)."""
    version = descriptor.get("version")
    if isinstance(version, str) and re.match(r"^v?[12](\.|$)", version.strip()):
        return version.strip().lstrip("v")
    named = set()
    for entry in listed:
        if not isinstance(entry, dict):
            continue
        name = entry.get("name")
        named.add((name, None))
        if str(entry.get("path", "")).startswith("services_at_location"):
            named.add(("services_at_location", None))
        fields = entry.get("schema", {}).get("fields", []) if isinstance(entry.get("schema"), dict) else []
        named.update((name, spec.get("name")) for spec in fields if isinstance(spec, dict))
    if not named & set(_OLD_MARKERS):
        return None
    for text in (descriptor.get("title"), descriptor.get("description"), descriptor.get("name")):
        for found in _VERSION.findall(text if isinstance(text, str) else ""):
            if found.split(".")[0] in ("1", "2"):
                return found
    return "1.x"


def read_package(path: str | Path) -> Package:
    """Read and validate a package folder; raise HsdsValidationError listing every problem found."""
    root = Path(path)
    issues: list[ValidationIssue] = []
    descriptor_path = root / "datapackage.json"
    if not root.is_dir():
        raise HsdsValidationError([ValidationIssue(str(root), None, None, "is not a folder (expected an HSDS tabular data package)")])
    try:
        descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
        listed = descriptor["resources"]
        if not isinstance(listed, list):
            raise TypeError
    except FileNotFoundError:
        raise HsdsValidationError([ValidationIssue("datapackage.json", None, None, f"is missing from {root}")]) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HsdsValidationError([ValidationIssue("datapackage.json", None, None, f"is not valid JSON ({exc})")]) from None
    except (KeyError, TypeError):
        raise HsdsValidationError([ValidationIssue("datapackage.json", None, "resources", "must be a list of resources")]) from None

    older = _older_version(descriptor if isinstance(descriptor, dict) else {}, listed)
    if older:
        raise HsdsValidationError([ValidationIssue("datapackage.json", None, None, (
            f"this is an HSDS {older} package; the hotline reads HSDS 3.0. Convert it to HSDS 3.0 (what changed: {CHANGELOG}) "
            f"and import it again"))])
    resources = official_resources()
    tables: dict[str, Table] = {}
    warnings: list[ValidationIssue] = []
    for position, entry in enumerate(listed):
        name = entry.get("name") if isinstance(entry, dict) else None
        if name not in resources:
            if isinstance(name, str) and name:
                file = entry.get("path") or f"{name}.csv"
                warnings.append(ValidationIssue(str(file), None, None, f"{name!r} is not an HSDS 3.0 resource; set aside (not imported)"))
            else:
                issues.append(ValidationIssue("datapackage.json", None, f"resources[{position}].name", f"{name!r} is not an HSDS 3.0 resource"))
            continue
        file = entry.get("path") or resources[name]["path"]
        file_path = (root / file).resolve()
        if root.resolve() not in file_path.parents:
            issues.append(ValidationIssue("datapackage.json", None, f"resources[{position}].path", f"{file!r} points outside the package"))
            continue
        table = _read_table(file_path, file, resources[name], issues, warnings)
        if table is not None:
            tables[name] = table
    for required in ("organization", "service"):
        if required not in tables and not any(i.file == resources[required]["path"] for i in issues):
            issues.append(ValidationIssue(resources[required]["path"], None, None, "is required: a directory needs organizations and services"))
    return _validated(Package(path=root, tables=tables, warnings=warnings), issues)


def _validated(package: Package, issues: list[ValidationIssue]) -> Package:
    """Unique keys checked and links resolved (a package's or a feed's): raise if anything refuses it."""
    resources = official_resources()
    _check_keys(package.tables, resources, issues)
    if not issues:
        _resolve_links(package, resources)
    if issues:
        shown = issues[:MAX_ERRORS]
        if len(issues) > MAX_ERRORS:
            shown.append(ValidationIssue(str(package.path), None, None, f"and {len(issues) - MAX_ERRORS} more problems not listed"))
        raise HsdsValidationError(shown, package.warnings[:MAX_ERRORS])
    return package


@dataclass
class RecordRow:
    """One row of a resource as an API feed gives it: its cells as text, and where it was found."""

    cells: dict[str, str]
    page: str  # "services page 2"
    item: int  # the record's place on its page, from 1
    path: str  # the path from the record to this row's object, "" for the record itself


def package_from_records(source: str, rows: dict[str, list[RecordRow]], warnings: list[ValidationIssue]) -> Package:
    """A package from an API feed's records, flattened into rows (bot/directory/hsds_records.py),
    checked as a package's files are: the same conversions, keys and links."""
    resources = official_resources()
    issues: list[ValidationIssue] = []
    tables: dict[str, Table] = {}
    for name, found in rows.items():
        resource = resources[name]
        table = Table(name=name, file=f"{resource['path'].removesuffix('.csv')} in the feed")
        checks = _column_checks({spec["name"]: spec for spec in resource["schema"]["fields"]})
        for number, row in enumerate(found, start=1):
            row_issues: list[ValidationIssue] = []
            table.rows.append(_convert_row(row.cells, checks, table.file, number, row_issues))
            table.row_numbers.append(number)
            table.origins[number] = (row.page, row.item, row.path)
            issues.extend(table.issue(number, issue.field, issue.message) for issue in row_issues)
        tables[name] = table
    for required in ("organization", "service"):
        if required not in tables:
            issues.append(ValidationIssue(source, None, None, f"has no {required} records: a directory needs organizations and services"))
    return _validated(Package(path=source, tables=tables, warnings=warnings), issues)
