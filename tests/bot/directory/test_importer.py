"""The HSDS importer: a good package imports (twice without duplicates); a malformed one is
rejected with file, row and field named, and nothing is written."""
from __future__ import annotations

import csv
import shutil

import pytest
from sqlalchemy import func, select

from bot.db import session_scope
from bot.db.models import Attribute, Schedule, Service, TaxonomyTerm
from bot.directory.hsds import HsdsValidationError, read_package
from bot.directory.importer import import_package
from tests.conftest import DEMO_DIRECTORY


@pytest.fixture
def package_dir(tmp_path):
    target = tmp_path / "package"
    shutil.copytree(DEMO_DIRECTORY, target)
    return target


def edit_csv(path, row_index, field, value):
    """Set `field` of data row `row_index` (0 = first data row, spreadsheet row 2)."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
        header = list(rows[0].keys())
    rows[row_index][field] = value
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def count(model):
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(model))


def import_dir(path):
    with session_scope() as session:
        return import_package(session, read_package(path))


def test_demo_package_imports_and_types_every_service(migrated_db):
    summary = import_dir(DEMO_DIRECTORY)
    services = count(Service)
    assert services >= 20
    assert summary.typed_services == services and not summary.untyped_services
    with session_scope() as session:
        codes = set(session.scalars(select(TaxonomyTerm.hub_code)))
    assert {"naloxone", "syringe-services", "moud", "wound-care", "take-back"} <= codes


def test_importing_again_updates_and_never_duplicates(migrated_db, package_dir):
    import_dir(package_dir)
    before = {model: count(model) for model in (Service, Schedule, Attribute)}
    edit_csv(package_dir / "services.csv", 0, "name", "Renamed Service")
    summary = import_dir(package_dir)
    assert {model: count(model) for model in (Service, Schedule, Attribute)} == before
    assert not any(summary.inserted.values()) and summary.updated["service"] == before[Service]
    with session_scope() as session:
        assert session.scalar(select(func.count()).where(Service.name == "Renamed Service")) == 1


def test_a_schedule_dropped_from_the_package_is_removed_on_reimport(migrated_db, package_dir):
    import_dir(package_dir)
    with open(package_dir / "schedules.csv", encoding="utf-8") as handle:
        lines = handle.read().splitlines(keepends=True)
    (package_dir / "schedules.csv").write_text("".join(lines[:-1]), encoding="utf-8")
    before = count(Schedule)
    summary = import_dir(package_dir)
    assert count(Schedule) == before - 1 and summary.removed == {"schedule": 1}


def assert_rejected(path, *fragments):
    with pytest.raises(HsdsValidationError) as caught:
        read_package(path)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, message
    return caught.value


@pytest.mark.parametrize(
    "file, row_index, field, value, expected",
    [
        ("services.csv", 2, "status", "open", "services.csv, row 4, field 'status': 'open' is not one of"),
        ("services.csv", 0, "name", "", "services.csv, row 2, field 'name': is required and is empty"),
        ("locations.csv", 0, "latitude", "north", "locations.csv, row 2, field 'latitude': 'north' is not a number"),
        ("schedules.csv", 0, "opens_at", "9am", "schedules.csv, row 2, field 'opens_at': '9am' is not a time"),
        ("attributes.csv", 0, "taxonomy_term_id", "not-a-uuid", "attributes.csv, row 2, field 'taxonomy_term_id': 'not-a-uuid' is not a UUID"),
        ("addresses.csv", 0, "postal_code", "", "addresses.csv, row 2, field 'postal_code': is required"),
    ],
)
def test_malformed_rows_are_named_by_file_row_and_field(package_dir, file, row_index, field, value, expected):
    edit_csv(package_dir / file, row_index, field, value)
    assert_rejected(package_dir, expected)


@pytest.mark.parametrize(
    "file, row_index, field, expected",
    [
        ("services.csv", 1, "organization_id", "services.csv, row 3, field 'organization_id': '11111111-2222-4333-8444-555555555555' matches no id in organizations.csv; the row is skipped"),
        ("attributes.csv", 0, "link_id", "attributes.csv, row 2, field 'link_id': '11111111-2222-4333-8444-555555555555' matches no id in services.csv; the row is skipped"),
    ],
)
def test_references_that_point_nowhere_are_warnings_named_by_file_row_and_field(package_dir, file, row_index, field, expected):
    """Until issue 32 these refused the package; publishers send them (the official HSDS example does)."""
    edit_csv(package_dir / file, row_index, field, "11111111-2222-4333-8444-555555555555")
    assert expected in [str(warning) for warning in read_package(package_dir).warnings]


def test_a_malformed_package_writes_nothing(migrated_db, package_dir):
    edit_csv(package_dir / "phones.csv", 3, "number", "")
    with pytest.raises(HsdsValidationError):
        import_dir(package_dir)
    assert count(Service) == 0 and count(Attribute) == 0


def test_an_unknown_weekday_in_byday_writes_nothing(migrated_db, package_dir):
    edit_csv(package_dir / "schedules.csv", 1, "byday", "MO,XX")
    with pytest.raises(HsdsValidationError, match=r"schedules.csv, row 3, field 'byday'"):
        import_dir(package_dir)
    assert count(Service) == 0


def test_invalid_utf8_is_named_with_its_row(package_dir):
    path = package_dir / "organizations.csv"
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2] + b"\xff\xfe"
    path.write_bytes(b"\n".join(lines))
    assert_rejected(package_dir, "organizations.csv, row 3: is not valid UTF-8")


def test_a_row_with_the_wrong_number_of_cells(package_dir):
    path = package_dir / "phones.csv"
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("only,three,cells\n")
    assert_rejected(package_dir, "phones.csv, row", "has 3 cells but the header has")


def test_an_unknown_column_and_a_missing_required_column(package_dir):
    path = package_dir / "organizations.csv"
    text = path.read_text(encoding="utf-8").replace("description", "descripton", 1)
    path.write_text(text, encoding="utf-8")
    assert_rejected(
        package_dir,
        "organizations.csv, row 1, field 'descripton': column",
        "organizations.csv, row 1, field 'description': is a required column and is missing",
    )


def test_a_duplicate_id(package_dir):
    path = package_dir / "organizations.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines + [lines[1]]) + "\n", encoding="utf-8")
    assert_rejected(package_dir, "organizations.csv, row", "field 'id'", "is used by an earlier row")


def test_a_listed_file_that_is_missing(package_dir):
    (package_dir / "phones.csv").unlink()
    assert_rejected(package_dir, "phones.csv: is listed in datapackage.json but the file is missing")


def test_no_datapackage_json(package_dir):
    (package_dir / "datapackage.json").unlink()
    assert_rejected(package_dir, "datapackage.json: is missing")


def test_datapackage_json_that_is_not_json(package_dir):
    (package_dir / "datapackage.json").write_text("{not json", encoding="utf-8")
    assert_rejected(package_dir, "datapackage.json: is not valid JSON")


def test_not_a_folder(tmp_path):
    assert_rejected(tmp_path / "nowhere", "is not a folder")


def test_an_empty_csv(package_dir):
    (package_dir / "taxonomies.csv").write_text("", encoding="utf-8")
    assert_rejected(package_dir, "taxonomies.csv, row 1: is empty")
