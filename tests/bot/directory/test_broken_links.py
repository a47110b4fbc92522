"""A reference that points nowhere is a warning (issue 32): the row is skipped when the link is
required in the descriptor, kept without the link when it is optional; rows whose parent was
skipped are skipped in turn; the summary says how many rows were skipped and why."""
from __future__ import annotations

import json

from sqlalchemy import select

from bot.cli import main
from bot.db import session_scope
from bot.db.models import Location, Service, ServiceAtLocation
from bot.directory.hsds import read_package
from tests.bot.directory.package_edits import add_row, copy_demo, edit_row, import_dir, read_rows

NOWHERE = "11111111-2222-4333-8444-555555555555"
NEW_ID = "99999999-2222-4333-8444-555555555555"


def test_a_missing_required_parent_skips_the_row(tmp_path):
    package = copy_demo(tmp_path)
    _, services = read_rows(package / "services.csv")
    _, locations = read_rows(package / "locations.csv")
    row = add_row(package / "service_at_location.csv", id=NEW_ID, service_id=NOWHERE, location_id=locations[0]["id"])
    read = read_package(package)
    [warning] = read.warnings
    assert (warning.file, warning.row, warning.field) == ("service_at_location.csv", row, "service_id")
    assert f"'{NOWHERE}' matches no id in services.csv; the row is skipped" in warning.message
    assert NEW_ID not in {r["id"] for r in read.rows("service_at_location")}
    assert read.skipped == {"service_at_location.csv": {"service_id matches no id in services.csv": 1}}
    assert len(read.rows("service")) == len(services)


def test_a_missing_optional_link_keeps_the_row_without_it(migrated_db, tmp_path):
    package = copy_demo(tmp_path)
    _, locations = read_rows(package / "locations.csv")
    edit_row(package / "locations.csv", locations[0]["id"], organization_id=NOWHERE)
    read = read_package(package)
    [warning] = read.warnings
    assert (warning.file, warning.row, warning.field) == ("locations.csv", 2, "organization_id")
    assert "the link is left out, the row kept" in warning.message and read.skipped == {}
    summary = import_dir(package)
    with session_scope() as session:
        location = session.get(Location, locations[0]["id"])
        assert location.organization_id is None and location.name == locations[0]["name"]
    assert summary.warnings == [warning] and not summary.skipped_lines()


def test_the_children_of_a_skipped_row_are_skipped_too_and_the_summary_says_why(migrated_db, tmp_path, capsys):
    package = copy_demo(tmp_path)
    _, services = read_rows(package / "services.csv")
    service = services[0]["id"]
    edit_row(package / "services.csv", service, organization_id=NOWHERE)
    _, links = read_rows(package / "service_at_location.csv")
    _, attributes = read_rows(package / "attributes.csv")
    _, costs = read_rows(package / "cost_options.csv")
    orphans = {
        "service_at_location.csv": sum(r["service_id"] == service for r in links),
        "attributes.csv": sum(r["link_id"] == service for r in attributes),
        "cost_options.csv": sum(r["service_id"] == service for r in costs),
    }
    assert orphans["service_at_location.csv"] and orphans["attributes.csv"]

    assert main(["directory", "import", str(package), "--json", "--quiet"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["skipped"]["services.csv"] == {"organization_id matches no id in organizations.csv": 1}
    for file, rows in orphans.items():
        if rows:
            assert sum(out["skipped"][file].values()) == rows
    cascaded = [w for w in out["warnings"] if w["file"] == "service_at_location.csv"]
    assert cascaded and all("is the id of services.csv row 2, which was skipped" in w["message"] for w in cascaded)
    with session_scope() as session:
        assert session.get(Service, service) is None
        assert not session.scalars(select(ServiceAtLocation).where(ServiceAtLocation.service_id == service)).all()

    assert main(["directory", "import", str(package), "--quiet"]) == 0
    text = capsys.readouterr().out
    skipped = 1 + sum(orphans.values())
    assert f"rows skipped: {skipped} (a required link points nowhere)" in text
    assert "services.csv: 1 (its organization_id matches no id in organizations.csv)" in text
    assert "services.csv, row 2, field 'organization_id'" in text


def test_an_attribute_typing_a_missing_service_is_skipped(tmp_path):
    package = copy_demo(tmp_path)
    _, attributes = read_rows(package / "attributes.csv")
    edit_row(package / "attributes.csv", attributes[0]["id"], link_id=NOWHERE)
    read = read_package(package)
    assert [(w.file, w.row, w.field) for w in read.warnings] == [("attributes.csv", 2, "link_id")]
    assert read.skipped == {"attributes.csv": {"link_id matches no id in services.csv": 1}}
