"""What publishers actually send (issue 32): Open Referral's own packages in ../shared/hsds.
The official HSDS 3.0 example imports with its four broken references as warnings; the 3.1 draft
imports with the tables and columns 3.0 does not name set aside; an HSDS 1.x package is refused
with one message that names the version. Each importable package survives a round trip (import,
export, import again with no warning). Bad input is named by file, row and field, exits 1 and
writes nothing."""
from __future__ import annotations

import json
import shutil

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.db import session_scope
from bot.db.models import Location, Organization, Service, ServiceAtLocation
from bot.directory.hsds import HsdsValidationError, read_package
from tests.conftest import DEMO_DIRECTORY, PROJECT_ROOT

HSDS = PROJECT_ROOT.parent / "shared" / "hsds"
CHANGELOG = "https://docs.openreferral.org/en/latest/hsds/changelog.html"
EXAMPLE_30 = HSDS / "examples"
DRAFT_31 = HSDS / "examples-3.1-draft"
SAMPLE_1X = HSDS / "hsds-1.x-sample"

needs_shared = pytest.mark.skipif(not EXAMPLE_30.is_dir(), reason=f"the HSDS reference packages are not at {HSDS}")

BROKEN_30 = {
    ("locations.csv", 2, "organization_id"),
    ("contacts.csv", 2, "organization_id"),
    ("contacts.csv", 2, "service_at_location_id"),
    ("taxonomy_terms.csv", 2, "taxonomy_id"),
}


def where(issues) -> set[tuple]:
    return {(i.file, i.row, i.field) for i in issues}


def count(model) -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(model))


def import_json(path, capsys) -> tuple[int, dict]:
    status = main(["directory", "import", str(path), "--json", "--quiet"])
    return status, json.loads(capsys.readouterr().out)


@needs_shared
def test_the_official_30_example_reads_with_its_four_broken_references_as_warnings():
    package = read_package(EXAMPLE_30)
    assert where(package.warnings) == BROKEN_30
    assert all("matches no id in" in w.message and "the link is left out" in w.message for w in package.warnings)
    assert package.skipped == {}
    [location] = package.rows("location")
    assert location["organization_id"] is None and location["name"]  # the data kept, the link left out


@needs_shared
def test_the_official_30_example_imports(migrated_db, capsys):
    status, out = import_json(EXAMPLE_30, capsys)
    assert status == 0 and out["imported"] is True
    assert {(w["file"], w["row"], w["field"]) for w in out["warnings"]} == BROKEN_30
    assert out["inserted"]["service"] == 1 and out["inserted"]["location"] == 1
    with session_scope() as session:
        assert session.scalar(select(Location.organization_id)) is None


@needs_shared
def test_the_31_draft_imports_with_what_30_does_not_name_set_aside(migrated_db, capsys):
    package = read_package(DRAFT_31)
    found = where(package.warnings)
    assert {("service_capacity.csv", None, None), ("units.csv", None, None), ("url.csv", None, None)} <= found
    assert ("attributes.csv", 1, "label") in found
    assert ("service_areas.csv", 1, "service_at_location_id") in found
    assert all("set aside" in w.message for w in package.warnings if w.row in (None, 1))
    status, out = import_json(DRAFT_31, capsys)
    assert status == 0 and out["imported"] is True and out["inserted"]["service"] == 1


@needs_shared
def test_an_hsds_1x_package_is_refused_with_one_message_naming_the_version(migrated_db, capsys):
    with pytest.raises(HsdsValidationError) as caught:
        read_package(SAMPLE_1X)
    [issue] = caught.value.issues
    assert issue.file == "datapackage.json"
    assert "HSDS 1.1" in issue.message and "HSDS 3.0" in issue.message and CHANGELOG in issue.message
    status, out = import_json(SAMPLE_1X, capsys)
    assert status == 1 and out["imported"] is False and len(out["problems"]) == 1
    assert count(Organization) == 0 and count(Service) == 0


def test_a_1x_package_that_does_not_say_its_version_is_recognised_by_its_columns(tmp_path):
    package = tmp_path / "old"
    shutil.copytree(SAMPLE_1X if SAMPLE_1X.is_dir() else DEMO_DIRECTORY, package)
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    descriptor = {"resources": descriptor["resources"]}  # no title, no version
    if not SAMPLE_1X.is_dir():
        descriptor["resources"].append({"name": "regular_schedule", "path": "regular_schedules.csv"})
    (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    with pytest.raises(HsdsValidationError) as caught:
        read_package(package)
    [issue] = caught.value.issues
    assert "HSDS 1.x package" in issue.message and CHANGELOG in issue.message


@needs_shared
@pytest.mark.parametrize("source", [EXAMPLE_30, DRAFT_31], ids=["3.0", "3.1-draft"])
def test_round_trip_import_export_import_again_with_no_warning(migrated_db, tmp_path, capsys, source):
    status, first = import_json(source, capsys)
    assert status == 0 and first["warnings"]
    assert main(["directory", "export", str(tmp_path / "exported")]) == 0
    capsys.readouterr()
    assert read_package(tmp_path / "exported").warnings == []
    status, again = import_json(tmp_path / "exported", capsys)
    assert status == 0 and again["warnings"] == [] and again["skipped"] == {}
    assert not any(again["inserted"].values())
    assert again["updated"]["service"] == first["inserted"]["service"]


def test_the_demo_package_imports_with_no_warning(migrated_db, capsys):
    status, out = import_json(DEMO_DIRECTORY, capsys)
    assert status == 0 and out["warnings"] == [] and out["skipped"] == {}
    assert main(["directory", "import", str(DEMO_DIRECTORY), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "warning" not in text and "skipped" not in text


# Bad input: the operator is told file, row and field, the exit code is 1, nothing is written.

@pytest.fixture
def demo(tmp_path):
    target = tmp_path / "package"
    shutil.copytree(DEMO_DIRECTORY, target)
    return target


def refused(path, capsys) -> list[str]:
    assert main(["directory", "import", str(path), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "nothing was written" in err
    assert count(Organization) == 0 and count(Service) == 0 and count(Location) == 0
    return err


def test_a_row_with_too_many_cells_is_refused_by_file_and_row(migrated_db, demo, capsys):
    lines = (demo / "services.csv").read_text(encoding="utf-8").splitlines()
    lines[3] += ",one too many"
    (demo / "services.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert "services.csv, row 4: has" in refused(demo, capsys)


def test_a_file_that_is_not_utf8_is_refused_by_file_and_row(migrated_db, demo, capsys):
    path = demo / "locations.csv"
    path.write_bytes(path.read_bytes().replace(b"Pioneer", "Pionéer".encode("latin-1"), 1))
    assert "locations.csv, row 2: is not valid UTF-8 text" in refused(demo, capsys)


def test_a_missing_required_file_is_refused(migrated_db, demo, capsys):
    descriptor = json.loads((demo / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "service"]
    (demo / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    (demo / "services.csv").unlink()
    assert "services.csv: is required" in refused(demo, capsys)


def test_an_empty_package_is_refused(migrated_db, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "datapackage.json").write_text(json.dumps({"profile": "tabular-data-package", "resources": []}),
                                            encoding="utf-8")
    err = refused(empty, capsys)
    assert "organizations.csv: is required" in err and "services.csv: is required" in err


def test_a_refusal_also_lists_the_warnings(migrated_db, demo, capsys):
    path = demo / "organizations.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("description", "descripton", 1), encoding="utf-8")
    err = refused(demo, capsys)
    assert "field 'description': is a required column and is missing" in err
    assert err.index("which alone would not stop an import") < err.index("field 'descripton'")


def test_service_at_location_rows_of_the_demo_stay(migrated_db, capsys):
    """The summary's counts on the demo are those of today: nothing skipped."""
    status, out = import_json(DEMO_DIRECTORY, capsys)
    assert status == 0
    assert out["inserted"]["service_at_location"] == count(ServiceAtLocation)
